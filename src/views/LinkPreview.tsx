import type { StoredMessage } from '../store/ports.ts'

/**
 * A message's link card: the site, title and description the page gave (text
 * only), and its image as re-encoded and served by rtc (never the site's own
 * URL, so a reader's browser asks the site for nothing). The author's form
 * takes the card off, with or without JavaScript.
 */
export function LinkPreviewCard({ message: m, base }: { message: StoredMessage; base: string }) {
  const p = m.preview
  if (!p) return null
  return (
    <div class="link-preview">
      <a href={p.url} rel="nofollow noopener noreferrer ugc" target="_blank">
        {p.image && <img src={`${base}/preview/image`} alt="" loading="lazy" width="80" height="80" />}
        <span class="text">
          <bdi class="site">{p.site}</bdi>
          <bdi class="title">{p.title}</bdi>
          {p.description && <bdi class="description">{p.description}</bdi>}
        </span>
      </a>
      <form class="remove-preview" method="post" action={`${base}/preview/remove`} hx-post={`${base}/preview/remove`} hx-swap="none">
        <button type="submit" title="Remove this preview" aria-label={`Remove the preview of ${p.title}`}>×</button>
      </form>
    </div>
  )
}
