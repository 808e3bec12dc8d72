import MarkdownIt from 'markdown-it'
import { LRUCache } from 'lru-cache'
import { mentionedLogins, splitMentions } from './mentions.ts'

export interface RenderOptions {
  /** True for a login that names someone who would be mentioned (a member); default: nobody. */
  isMention?: (login: string) => boolean
}

interface Env {
  isMention?: RenderOptions['isMention'] | undefined
  [key: string | symbol]: unknown
}

/** The only link schemes a message may carry; anything else stays text. */
const SAFE_LINK = /^(?:https?:\/\/|mailto:)/i

/**
 * The chat's Markdown subset: emphasis, strikethrough, inline code, fenced
 * and indented code, block quotes, lists, links and bare URLs. Raw HTML is
 * off (it shows as text), images, headings, tables and reference definitions
 * are off, and every attribute the output can carry is made here: the only
 * one taken from user text is a link's `href`, after the scheme check below
 * and markdown-it's own escaping.
 */
const md = new MarkdownIt('default', { html: false, linkify: true, breaks: true, typographer: false })
  .disable(['image', 'heading', 'lheading', 'table', 'reference', 'hr'])
md.validateLink = (url) => SAFE_LINK.test(url.trim())
// markdown-it keeps a link whose destination it refused (`[x]()`, `[x](javascript:…)`) with an empty href: such a
// link stays its text, never an `<a href="">` that would open the page itself.
md.core.ruler.push('refused_links', (state) => {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue
    const dropped: number[] = []
    let depth = 0
    block.children = block.children.filter((t) => {
      if (t.type === 'link_open') {
        const refused = !SAFE_LINK.test(String(t.attrGet('href') ?? ''))
        dropped.push(refused ? 1 : 0)
        depth++
        return !refused
      }
      if (t.type === 'link_close' && depth > 0) {
        depth--
        return dropped.pop() !== 1
      }
      return true
    })
  }
})
// Without a scheme ("example.com") linkify would make an http link of its own guess; only whole URLs and addresses count.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: true })

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx]!
  token.attrs = [['href', token.attrGet('href') ?? ''], ['rel', 'nofollow noopener noreferrer ugc'], ['target', '_blank']]
  return self.renderToken(tokens, idx, options)
}

// A fence's info string is user text: no language class is taken from it.
md.renderer.rules.fence = (tokens, idx) => `<pre><code>${md.utils.escapeHtml(tokens[idx]!.content)}</code></pre>\n`
md.renderer.rules.code_block = md.renderer.rules.fence

md.renderer.rules.text = (tokens, idx, _options, env?: Env) => {
  const content = tokens[idx]!.content
  const isMention = env?.isMention
  if (!isMention || !content.includes('@')) return md.utils.escapeHtml(content)
  return splitMentions(content).map((part) => {
    if (typeof part === 'string') return md.utils.escapeHtml(part)
    // A login is [A-Za-z0-9-] by the parser's rule, so it needs no escaping; escaped anyway for a reviewer's peace.
    const login = md.utils.escapeHtml(part.login)
    return isMention(part.login) ? `<span class="mention" data-login="${login}">@${login}</span>` : `@${login}`
  }).join('')
}

/** A message body (Markdown source) as HTML that carries only the elements and attributes made above. */
export function renderBody(source: string, options: RenderOptions = {}): string {
  const env: Env = { isMention: options.isMention }
  // Without the last block's newline, the body's text is exactly what was written.
  return md.render(source, env).trimEnd()
}

/** Rendered bodies by room, id and rev: a push rendered for a big room parses its Markdown once. */
const rendered = new LRUCache<string, string>({ max: 5000 })

/**
 * A stored message's body as HTML, cached by (room, id, rev) and by which of
 * the logins it mentions count as mentions now (that can change without a new rev).
 */
export function renderMessageBody(message: { roomId: string; id: string; rev: string; body: string }, options: RenderOptions = {}): string {
  const { isMention } = options
  const mentioned = isMention ? mentionedLogins(message.body).filter(isMention).join(',') : ''
  const key = `${message.roomId}/${message.id}/${message.rev}/${mentioned}`
  let html = rendered.get(key)
  if (html === undefined) rendered.set(key, (html = renderBody(message.body, options)))
  return html
}

/**
 * The first http(s) link of a message as its Markdown makes links (written out or bare), outside code
 * (code holds no links) and outside block quotes (a quote's link is someone else's): the one a link
 * preview is made for.
 */
export function firstLink(source: string): string | undefined {
  let quoted = 0
  for (const token of md.parse(source, {})) {
    if (token.type === 'blockquote_open') quoted++
    else if (token.type === 'blockquote_close') quoted--
    else if (token.type === 'inline' && quoted === 0) {
      const href = token.children?.filter((t) => t.type === 'link_open').map((t) => String(t.attrGet('href') ?? '')).find((h) => /^https?:\/\//i.test(h))
      if (href) return href
    }
  }
  return undefined
}
