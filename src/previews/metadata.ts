import { Parser } from 'htmlparser2'

/** What a page says of itself, as plain text (never markup); each field only when the page has it. */
export interface PageMetadata {
  readonly title?: string
  readonly description?: string
  readonly site?: string
  /** The image's URL, resolved against the page's. */
  readonly image?: string
}

const TITLE_CHARS = 200
const DESCRIPTION_CHARS = 300
const SITE_CHARS = 80
const PARSE_CHUNK = 8192

/** Text as a card shows it: no control or format characters, whitespace collapsed, at most `max` characters. */
export function cardText(raw: string | undefined, max: number): string | undefined {
  const text = raw?.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ').replace(/\s+/g, ' ').trim()
  if (!text) return undefined
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : text
}

/** The charset the bytes are in: the Content-Type's, else a `<meta charset>` near the start, else UTF-8. */
export function decodePage(bytes: Uint8Array, contentType: string): string {
  const declared = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1]
    ?? /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(new TextDecoder('latin1').decode(bytes.subarray(0, 2048)))?.[1]
  try {
    return new TextDecoder(declared ?? 'utf-8').decode(bytes)
  } catch {
    return new TextDecoder('utf-8').decode(bytes)
  }
}

/**
 * Reads OpenGraph, Twitter and `<title>` metadata with htmlparser2 (a page
 * cut short parses as far as it goes; a page's `<body>` is not read). OpenGraph wins over Twitter, Twitter
 * over the document's own title and description; only http(s) images count.
 */
export function readMetadata(html: string, pageUrl: URL): PageMetadata {
  const meta = new Map<string, string>()
  let title: string | undefined
  let inTitle = false
  let titleText = ''
  let inBody = false
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name === 'body') inBody = true
      if (name === 'title' && title === undefined) inTitle = true
      if (name !== 'meta') return
      const key = (attrs.property ?? attrs.name ?? '').trim().toLowerCase()
      if (key && attrs.content !== undefined && !meta.has(key)) meta.set(key, attrs.content)
    },
    ontext(text) {
      if (inTitle) titleText += text
    },
    onclosetag(name) {
      if (name === 'title' && inTitle) [inTitle, title] = [false, titleText]
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true })
  // Metadata lives in the head: a page's body (up to PAGE_BYTES of it) is not parsed once it begins.
  for (let at = 0; at < html.length && !inBody; at += PARSE_CHUNK) parser.write(html.slice(at, at + PARSE_CHUNK))
  if (!inBody) parser.end()

  const first = (...keys: string[]) => keys.map((k) => meta.get(k)).find((v) => v !== undefined && v.trim() !== '')
  const imageRaw = first('og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src')
  let image: string | undefined
  try {
    const resolved = imageRaw === undefined ? undefined : new URL(imageRaw.trim(), pageUrl)
    if (resolved && (resolved.protocol === 'https:' || resolved.protocol === 'http:')) image = resolved.href
  } catch {
    image = undefined
  }
  const picked = {
    title: cardText(first('og:title', 'twitter:title') ?? title ?? titleText, TITLE_CHARS),
    description: cardText(first('og:description', 'twitter:description', 'description'), DESCRIPTION_CHARS),
    site: cardText(first('og:site_name', 'application-name'), SITE_CHARS),
    image,
  }
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as PageMetadata
}
