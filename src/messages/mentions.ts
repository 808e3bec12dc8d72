/**
 * `@login` mentions in a message body. A login is GitHub's shape (letters,
 * digits and single inner hyphens, at most 39), or a local sign-in login of
 * the same characters. A mention starts the text or follows a character that
 * cannot be part of a word, an address or a path, so `me@example.com` and
 * `/@scope/pkg` mention nobody.
 */
const MENTION = /(?<![\p{L}\p{N}_@/.+-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![A-Za-z0-9_-])/gu

export type MentionPart = string | { readonly login: string }

/** The text cut into plain runs and mentions, in order; joining them back gives the text. */
export function splitMentions(text: string): MentionPart[] {
  const parts: MentionPart[] = []
  let at = 0
  for (const match of text.matchAll(MENTION)) {
    if (match.index > at) parts.push(text.slice(at, match.index))
    parts.push({ login: match[1]! })
    at = match.index + match[0].length
  }
  if (at < text.length) parts.push(text.slice(at))
  return parts
}

/** The logins mentioned, lower-cased (logins compare without case), each once, in order of first mention. */
export function mentionedLogins(text: string): string[] {
  const logins = new Set<string>()
  for (const match of text.matchAll(MENTION)) logins.add(match[1]!.toLowerCase())
  return [...logins]
}
