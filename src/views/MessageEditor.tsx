import type { StoredMessage } from '../store/ports.ts'
import { MAX_BODY_CHARS } from '../messages/validate.ts'

/** The author's inline editor; it stands where the message stood until saved or cancelled. */
export function MessageEditor({ message: m, roomSlug, error }: { message: StoredMessage; roomSlug: string; error?: string }) {
  const base = `/rooms/${roomSlug}/messages/${m.id}`
  return (
    <article id={`m-${m.id}`} data-key={m.id} data-author={String(m.authorId)} class="msg editing">
      <form method="post" action={base} hx-post={base} hx-target="closest article" hx-swap="outerHTML">
        <label class="sr-only" for={`edit-${m.id}`}>Edit message</label>
        <textarea id={`edit-${m.id}`} name="body" rows={3} maxlength={MAX_BODY_CHARS} required autofocus>{m.body}</textarea>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="editor-actions">
          <button type="submit" class="primary">Save</button>
          <a class="cancel" href={`/rooms/${roomSlug}#m-${m.id}`} hx-get={base} hx-target="closest article" hx-swap="outerHTML">Cancel</a>
          <span class="hint muted">Enter saves · Shift+Enter new line · Esc cancels</span>
        </div>
      </form>
      <form class="delete" method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-target="closest article" hx-swap="outerHTML" hx-confirm="Delete this message for everyone?">
        <button type="submit" class="danger">Delete message</button>
      </form>
    </article>
  )
}
