import type { StoredMessage } from '../store/ports.ts'
import { formatBytes } from '../lib/bytes.ts'

/**
 * A message's files: an image with a preview shows it (a link to the
 * original), every file has a download link with its name and size. Names
 * are the sender's text: only ever text, or an attribute that runs nothing.
 */
export function Attachments({ message: m, base }: { message: StoredMessage; base: string }) {
  if (!m.attachments?.length) return null
  return (
    <ul class="files">
      {m.attachments.map((a) => {
        const url = `${base}/files/${a.sha256}`
        return (
          <li>
            {a.preview && <a class="preview" href={url} target="_blank" rel="noopener"><img src={`${url}/preview`} alt={a.name} loading="lazy" /></a>}
            <a class="file" href={url} download={a.name}><bdi>{a.name}</bdi></a> <span class="size muted">{formatBytes(a.size)}</span>
          </li>
        )
      })}
    </ul>
  )
}
