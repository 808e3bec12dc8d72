import type { Room } from '../store/ports.ts'

/** Mutes or unmutes the room's pushes for the reader; htmx swaps the control in place, a plain form comes back to the room. */
export function MuteControl({ room, muted }: { room: Room; muted: boolean }) {
  const action = `/rooms/${room.slug}/mute`
  return (
    <form id="mute" class="mute" method="post" action={action} hx-post={action} hx-swap="outerHTML">
      <input type="hidden" name="muted" value={muted ? 'off' : 'on'} />
      <button type="submit" class="link" aria-pressed={muted ? 'true' : 'false'}
        title={muted ? 'This room sends you no push notifications. Unmute it to get them again.' : 'Stop push notifications from this room.'}>
        {muted ? 'Muted · unmute' : 'Mute'}
      </button>
    </form>
  )
}
