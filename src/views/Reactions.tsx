import { MAX_EMOJI_LENGTH } from '../messages/reactions.ts'
import type { Reaction, StoredMessage } from '../store/ports.ts'

/** The message's reactions grouped by emoji, in the store's order. */
function byEmoji(reactions: readonly Reaction[]): [string, Reaction[]][] {
  const groups = new Map<string, Reaction[]>()
  for (const r of reactions) groups.set(r.emoji, [...(groups.get(r.emoji) ?? []), r])
  return [...groups]
}

/**
 * A message's reactions: a button per emoji that toggles the reader's own
 * (who reacted is its title, shown on hover and read out on focus), and a
 * link to add any emoji. The emoji is a checked one (messages/reactions.ts);
 * `data-users` lets app.js mark the reader's own reactions, as the same
 * markup is pushed to everyone.
 */
export function Reactions({ message: m, base }: { message: StoredMessage; base: string }) {
  const action = `${base}/reactions`
  const form = { method: 'post' as const, action, 'hx-post': action, 'hx-target': 'closest article', 'hx-swap': 'outerHTML' }
  return (
    <div class="reactions">
      {byEmoji(m.reactions ?? []).map(([emoji, people]) => {
        const who = people.map((p) => `@${p.login}`).sort().join(', ')
        return (
          <form {...form}>
            <input type="hidden" name="emoji" value={emoji} />
            <button type="submit" class="reaction" title={who} aria-label={`${emoji} ${people.length}: ${who}`} data-users={people.map((p) => p.userId).join(' ')}>
              {emoji} <span class="count">{people.length}</span>
            </button>
          </form>
        )
      })}
      {/* One link, not a form per message (every push carries this): app.js opens the page's one picker here; without it, a page. */}
      <a class="react-add" href={action} aria-label="Add a reaction">+</a>
    </div>
  )
}

/** The form that adds a reaction: on its own page without JavaScript, moved beside a message by app.js with it. */
export function ReactionForm({ action, error }: { action: string; error?: string | undefined }) {
  return (
    <form method="post" action={action} class="react-form" id="react-form">
      <input name="emoji" list="quick-emojis" maxlength={MAX_EMOJI_LENGTH} required placeholder="👍" aria-label="Emoji" size={3} autocomplete="off" autofocus />
      <button type="submit">React</button>
      <span class="error react-error" role="alert">{error ?? ''}</span>
    </form>
  )
}

/** The emojis offered for a new reaction, once per page (the inputs name it with `list`). */
export function QuickEmojis({ emojis }: { emojis: readonly string[] }) {
  return <datalist id="quick-emojis">{emojis.map((e) => <option value={e}></option>)}</datalist>
}
