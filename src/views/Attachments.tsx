import type { StoredMessage } from '../store/ports.ts'
import { formatBytes } from '../lib/bytes.ts'

/** The card's label for a file's kind: its extension (PDF, ZIP), or FILE when it has none worth showing. */
export const fileKind = (name: string) => {
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(name)?.[1]
  return ext ? ext.toUpperCase() : 'FILE'
}

/**
 * A message's files: an image with a preview shows it (a link to the
 * original); any other file is a card with its kind, name and size, a
 * download link as a whole. Names are the sender's text: only ever text, or
 * an attribute that runs nothing.
 */
export function Attachments({ message: m, base }: { message: StoredMessage; base: string }) {
  if (!m.attachments?.length) return null
  return (
    <ul class="files">
      {m.attachments.map((a) => {
        const url = `${base}/files/${a.sha256}`
        if (!a.preview) {
          return (
            <li>
              <a class="file file-card" href={url} download={a.name}>
                <span class="file-icon" aria-hidden="true">{fileKind(a.name)}</span>
                <span class="file-meta"><bdi class="file-name">{a.name}</bdi><span class="size muted">{formatBytes(a.size)}</span></span>
              </a>
            </li>
          )
        }
        return (
          <li>
            <a class="preview" href={url} target="_blank" rel="noopener"><img src={`${url}/preview`} alt={a.name} loading="lazy" /></a>
            <a class="file" href={url} download={a.name}><bdi>{a.name}</bdi></a> <span class="size muted">{formatBytes(a.size)}</span>
          </li>
        )
      })}
    </ul>
  )
}
