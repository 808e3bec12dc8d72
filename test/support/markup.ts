import { Parser } from 'htmlparser2'
import { expect } from 'vitest'

/** The elements a rendered body may hold, each with the attributes it may carry. */
const ALLOWED: Record<string, readonly string[]> = {
  p: [], br: [], strong: [], em: [], s: [], code: [], pre: [], blockquote: [], ul: [], ol: ['start'], li: [],
  a: ['href', 'rel', 'target'], span: ['class', 'data-login'],
}

/**
 * Parses `html` with a real HTML parser and fails on any element or attribute
 * outside the allowlist: never an `hx-*`, `on*`, `style` or `id`, links only
 * to http, https or mailto with the fixed `rel`, a span only as a mention.
 */
export function expectOnlyAllowedMarkup(html: string) {
  const seen: string[] = []
  const parser = new Parser({
    onopentag(name, attributes) {
      seen.push(name)
      expect(Object.keys(ALLOWED), `element <${name}> in ${html}`).toContain(name)
      for (const [attribute, value] of Object.entries(attributes)) {
        expect(ALLOWED[name], `attribute ${attribute} on <${name}> in ${html}`).toContain(attribute)
        expect(attribute).not.toMatch(/^(hx-|on|style$|id$)/i)
        if (attribute === 'href') expect(value, html).toMatch(/^(https?:\/\/|mailto:)/i)
        if (attribute === 'rel') expect(value).toBe('nofollow noopener noreferrer ugc')
        if (attribute === 'target') expect(value).toBe('_blank')
        if (attribute === 'start') expect(value).toMatch(/^\d+$/)
        if (attribute === 'class') expect(value).toBe('mention')
        if (attribute === 'data-login') expect(value).toMatch(/^[A-Za-z0-9-]{1,39}$/)
      }
    },
  }, { decodeEntities: true, lowerCaseAttributeNames: true, lowerCaseTags: true })
  parser.write(html)
  parser.end()
  return seen
}
