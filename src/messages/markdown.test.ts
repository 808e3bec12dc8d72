import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectOnlyAllowedMarkup } from '../../test/support/markup.ts'
import { renderBody, renderMessageBody } from './markdown.ts'

const HOSTILE = [
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<div hx-get="/logout" hx-trigger="load">', '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))', '[x](  javascript:alert(1))', '[x](java\nscript:alert(1))', '[x](&#106;avascript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD4=)', '[x](vbscript:x)', '<javascript:alert(1)>', '![i](https://evil.example/i.png)',
  '[x](https://a.example "t\\" onmouseover=\\"x")', '```" onload="x\ncode\n```', '<a href="https://a.example" style="x">a</a>',
  '[x](https://a.example){onclick=x}', '<svg><script>alert(1)</script></svg>', '<!-- x -->', '<style>*{}</style>',
  '@<span>bob</span>', '[@bob](https://a.example)', '`@bob`', '[x]: javascript:alert(1)\n[x]',
]
/** Markdown's own characters, so generated sources exercise its syntax, mixed with the payloads above. */
const PIECES = ['*', '_', '~~', '`', '```', '\n', '> ', '- ', '1. ', '[', ']', '(', ')', '<', '>', '"', "'", '=', ' ', 'http://a.example/', 'mailto:a@b.example', 'javascript:', 'hx-on:click', 'onerror', 'style', '@bob', '&#x3C;', '\\']

describe('a message body renders as safe Markdown', () => {
  it('formats emphasis, strikethrough, code, quotes, lists and links', () => {
    const out = renderBody('**b** _i_ ~~s~~ `c`\n\n```\nx < y\n```\n\n> quoted\n\n- one\n- two\n\nsee https://example.com/a?b=1 or [docs](https://example.org)')
    expect(out).toContain('<strong>b</strong> <em>i</em> <s>s</s> <code>c</code>')
    expect(out).toContain('<pre><code>x &lt; y\n</code></pre>')
    expect(out).toContain('<blockquote>\n<p>quoted</p>\n</blockquote>')
    expect(out).toContain('<ul>\n<li>one</li>\n<li>two</li>\n</ul>')
    expect(out).toContain('<a href="https://example.com/a?b=1" rel="nofollow noopener noreferrer ugc" target="_blank">https://example.com/a?b=1</a>')
    expect(out).toContain('<a href="https://example.org" rel="nofollow noopener noreferrer ugc" target="_blank">docs</a>')
  })

  it('keeps HTML, images and other link schemes as text', () => {
    expect(renderBody('<b>x</b> [j](javascript:alert(1)) ![i](https://e.example/i.png) [r](/logout)'))
      .toBe('<p>&lt;b&gt;x&lt;/b&gt; [j](javascript:alert(1)) !<a href="https://e.example/i.png" rel="nofollow noopener noreferrer ugc" target="_blank">i</a> [r](/logout)</p>')
  })

  it('keeps a link whose destination was refused or empty as its text, never an empty href', () => {
    expect(renderBody('[x]: javascript:alert(1)\n[x]() and [**z**]()')).toBe('<p>[x]: javascript:alert(1)<br>\nx and <strong>z</strong></p>')
  })

  it('marks the logins that count as mentions, never inside code, and none by default', () => {
    const isMention = (login: string) => login.toLowerCase() === 'bob'
    expect(renderBody('hi @bob and @eve `@bob`', { isMention }))
      .toBe('<p>hi <span class="mention" data-login="bob">@bob</span> and @eve <code>@bob</code></p>')
    expect(renderBody('hi @bob')).toBe('<p>hi @bob</p>')
  })

  it('renders a message once per rev, and again for a new rev or a changed mention', () => {
    const m = { roomId: 'r1', id: '1', rev: '1', body: '*a* @bob' }
    expect(renderMessageBody(m)).toBe(renderBody(m.body))
    expect(renderMessageBody({ ...m, body: 'ignored: same rev' })).toBe(renderBody(m.body))
    expect(renderMessageBody({ ...m, rev: '2', body: 'new' })).toBe(renderBody('new'))
    expect(renderMessageBody(m, { isMention: () => true })).toContain('class="mention"')
  })

  it.each(HOSTILE)('renders %j inertly', (source) => { expectOnlyAllowedMarkup(renderBody(source, { isMention: () => true })) })

  it('renders any hostile Markdown with only allowed elements and attributes', () => {
    const source = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.array(fc.oneof(fc.constantFrom(...PIECES, ...HOSTILE), fc.string({ maxLength: 4 })), { maxLength: 40 }).map((p) => p.join('')),
    )
    fc.assert(fc.property(source, (s) => { expectOnlyAllowedMarkup(renderBody(s, { isMention: () => true })) }), { numRuns: 1500 })
  })
})
