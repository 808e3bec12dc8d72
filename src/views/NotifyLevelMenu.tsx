import { defaultLevel, LEVELS, levelIn, levelLabel } from '../messages/notifyLevels.ts'
import type { NotifyLevel, Room } from '../store/ports.ts'

/**
 * The room's notification level for the reader, in the room's header: a
 * disclosure (so without JavaScript too) holding one button per level. htmx
 * swaps the menu in place, closed, its button naming the new level; a plain
 * form comes back to the room.
 */
export function NotifyLevelMenu({ room, level }: { room: Room; level: NotifyLevel | undefined }) {
  const action = `/rooms/${room.slug}/notifications`
  const current = levelIn(room, level)
  return (
    <details id="notify-level" class="notify-level" data-level={current}>
      <summary class="button" title="Notifications from this room" aria-label={`Notifications: ${levelLabel(current)}`}>
        <span class="icon" aria-hidden="true">{current === 'none' ? '🔕' : '🔔'}</span> <span class="label">{levelLabel(current)}</span>
      </summary>
      <form class="notify-level-menu" method="post" action={action} hx-post={action} hx-target="#notify-level" hx-swap="outerHTML">
        <p class="legend">Notify me of</p>
        {LEVELS.map((l) => (
          <button type="submit" name="level" value={l.value} aria-pressed={l.value === current ? 'true' : 'false'}>
            <span class="choice-label">{l.label}{l.value === defaultLevel(room) ? ' (default)' : ''}</span>
            <span class="choice-hint">{l.hint}</span>
          </button>
        ))}
        <p class="hint">Desktop and push notifications follow this; the room list highlights what it lets through.</p>
      </form>
    </details>
  )
}
