import { emojiOf } from './emoji.ts'

/** What the conversion looks names up in: the logins and channel names the import chose. */
export interface MarkupNames {
  login(slackUserId: string): string | undefined
  channel(slackChannelId: string): string | undefined
}

const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

/** One `<…>` of Slack's markup: a mention, a channel, a special word, or a link with or without its label. */
function token(inner: string, names: MarkupNames): string {
  const [target = '', label] = inner.split('|', 2) as [string, string | undefined]
  const shown = label === undefined ? undefined : unescape(label)
  if (target.startsWith('@')) {
    const login = names.login(target.slice(1))
    return `@${login ?? shown?.replace(/^@/, '') ?? target.slice(1)}`
  }
  if (target.startsWith('#')) return `#${shown ?? names.channel(target.slice(1)) ?? target.slice(1)}`
  if (target.startsWith('!')) {
    // <!here>, <!channel>, <!everyone>; <!subteam^S1|@team>; <!date^…|fallback text>.
    const word = target.slice(1).split('^')[0]!
    if (word === 'here' || word === 'channel' || word === 'everyone') return `@${word}`
    return shown ?? `@${word}`
  }
  const url = unescape(target)
  if (!/^(https?:|mailto:)/i.test(url)) return shown ?? url
  if (shown === undefined || shown === url || `mailto:${shown}` === url) return url
  return `[${shown.replace(/[[\]]/g, '\\$&')}](${url.replace(/[()]/g, (c) => encodeURIComponent(c))})`
}

/** Slack's `*bold*` and `~strike~` as Markdown, outside code; `_italic_` is Markdown already. */
function emphasis(text: string): string {
  return text
    .replace(/(^|[\s(])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s).,:;!?])/g, '$1**$2**')
    .replace(/(^|[\s(])~(?=\S)([^~\n]*?\S)~(?=$|[\s).,:;!?])/g, '$1~~$2~~')
}

/** `:name:` as its emoji where Slack's set has one; custom emoji stay as written. */
const shortcodes = (text: string) => text.replace(/:([a-z0-9_+'-]+(?:::skin-tone-[2-6])?):/g, (whole, name: string) => emojiOf(name) ?? whole)

/**
 * A message's text as rtc's Markdown, where the two say the same simply: `<@U1>` → `@login`, `<#C1|name>` →
 * `#name`, `<url|text>` → `[text](url)`, `<!here>` → `@here`, `*bold*` → `**bold**`, `~strike~` → `~~strike~~`,
 * `:tada:` → 🎉, and `&lt;` `&gt;` `&amp;` back to what they stand for. Code (`` ` `` and ```` ``` ````) is kept as
 * written, its entities unescaped only.
 */
export function slackToMarkdown(text: string, names: MarkupNames): string {
  // Code spans and blocks first: nothing inside them is markup.
  return text.split(/(```[\s\S]*?```|`[^`\n]+`)/).map((part, i) => {
    if (i % 2 === 1) return unescape(part)
    const pieces = part.split(/<([^<>\n]+)>/)
    return pieces.map((piece, j) => (j % 2 === 1 ? token(piece, names) : unescape(shortcodes(emphasis(piece))))).join('')
  }).join('')
}
