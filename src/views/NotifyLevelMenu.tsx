import { defaultLevel, LEVELS, levelIn } from '../messages/notifyLevels.ts'
import type { NotifyLevel, Room } from '../store/ports.ts'
import { useT, type Translator } from '../i18n/translate.ts'

/** A level's name and what it means, in the reader's language. */
export const LEVEL_WORDS = {
  all: ['room.levelAll', 'room.levelAllHint'],
  mentions: ['room.levelMentions', 'room.levelMentionsHint'],
  none: ['room.levelNone', 'room.levelNoneHint'],
} as const satisfies Record<NotifyLevel, readonly [string, string]>
export const levelName = (t: Translator, level: NotifyLevel) => t(LEVEL_WORDS[level][0])

/**
 * The room's notification level for the reader, in the room's header: a
 * disclosure (so without JavaScript too) holding one button per level. htmx
 * swaps the menu in place, closed, its button naming the new level; a plain
 * form comes back to the room.
 */
export function NotifyLevelMenu({ room, level }: { room: Room; level: NotifyLevel | undefined }) {
  const action = `/rooms/${room.slug}/notifications`
  const current = levelIn(room, level)
  const t = useT()
  return (
    <details id="notify-level" class="notify-level" data-level={current}>
      <summary class="button" title={t('room.notifyTitle')} aria-label={t('room.notifyLabel', { level: levelName(t, current) })}>
        <span class="icon" aria-hidden="true">{current === 'none' ? '🔕' : '🔔'}</span> <span class="label">{levelName(t, current)}</span>
      </summary>
      <form class="notify-level-menu" method="post" action={action} hx-post={action} hx-target="#notify-level" hx-swap="outerHTML">
        <p class="legend">{t('room.notifyMeOf')}</p>
        {LEVELS.map((l) => (
          <button type="submit" name="level" value={l.value} aria-pressed={l.value === current ? 'true' : 'false'}>
            <span class="choice-label">{levelName(t, l.value)}{l.value === defaultLevel(room) ? t('room.byDefault') : ''}</span>
            <span class="choice-hint">{t(LEVEL_WORDS[l.value][1])}</span>
          </button>
        ))}
        <p class="hint">{t('room.notifyHint')}</p>
      </form>
    </details>
  )
}
