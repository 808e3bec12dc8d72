import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { StoredMessage } from '../store/ports.ts'
import { renderBody } from '../messages/markdown.ts'
import { expectOnlyAllowedMarkup } from '../../test/support/markup.ts'
import { CreatedFrame, html, initialOf, MessageItem } from './Message.tsx'

/** An escape written independently of hono's: the five characters that can end text or an attribute. */
const escape = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')

let revs = 384917038985474048n
/** Each a new rev: rendered bodies are cached by id and rev. */
const message = (body: string, authorName: string, authorLogin: string): StoredMessage => ({
  id: '384917038985474048', roomId: '1', authorId: 7, authorLogin, authorName, nonce: 'n', body,
  createdAt: new Date('2026-11-28T03:45:00Z'), rev: String(revs++), editedAt: null, deletedAt: null,
})

const PAYLOADS = [
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '" onerror="alert(1)', "' onmouseover='x'",
  '<div hx-on:click="alert(1)">', 'hx-on::after:swap=alert(1)', '<div id="messages" hx-swap-oob="innerHTML">gone</div>',
  'id="m-1"', '<a href="javascript:alert(1)">x</a>', 'javascript:alert(1)', '\u202Egnp.exe', '\u2066\u2067\u2068\u2069\u200F',
  '</p></article><article id="m-9">', '&lt;already escaped&gt;', '<!--', ']]>', '{{7*7}}', '${7*7}',
]

const A = 'AUTHORPLACEHOLDER'
const B = 'BODYPLACEHOLDER'
const L = 'LOGINPLACEHOLDER'
const template = html(<MessageItem message={message(B, A, L)} roomSlug="general" />)
/** A display name equal to the login needs no second mention of the login. */
const templateSameName = html(<MessageItem message={message(B, L, L)} roomSlug="general" />)

/** Names render as text; the body's own markup is the Markdown renderer's, checked in markdown.test.ts and below. */
const rendersAsText = (body: string, name: string, login: string) => {
  // Each message here has a rev of its own (rendered bodies are cached by it): the shape is the same whatever the rev.
  const out = html(<MessageItem message={message(body, name, login)} roomSlug="general" />).replace(/ data-rev="\d+"/, ' data-rev="REV"')
  // The face's letter is the name's first, escaped like the rest (the templates hold the placeholders' first letters).
  const face = (t: string) => t.replace(/(<span class="face[^"]*" aria-hidden="true">)[^<]*(<\/span>)/, (_, open: string, close: string) => `${open}${escape(initialOf(name || login))}${close}`)
  const shape = face(name === login ? templateSameName : template.replace(A, () => escape(name))).replace(/ data-rev="\d+"/, ' data-rev="REV"')
  // The login is the address of the author's card too, there URL-encoded.
  const addressed = shape.replaceAll(`/users/${L}`, () => `/users/${escape(encodeURIComponent(login))}`)
  expect(out).toBe(addressed.replace(`<p>${B}</p>`, () => renderBody(body)).replaceAll(L, () => escape(login)))
  expectOnlyAllowedMarkup(renderBody(body))
}

describe('a message renders user text as inert text', () => {
  it('places body and names only as isolated text, never as markup or attributes', () => {
    expect(template).toContain(`<a class="who" href="/users/${L}" title="@${L}"><bdi>${A}</bdi></a>`)
    expect(template).toContain(`<div class="body" dir="auto"><p>${B}</p></div>`)
    expect(template).toContain('id="m-384917038985474048"')
  })

  it('shows the author\'s @login visibly beside a display name that differs from it, and not twice when they match', () => {
    expect(html(<MessageItem message={message('hi', 'alice', 'mallory')} roomSlug="general" />))
      .toContain('<a class="who" href="/users/mallory" title="@mallory"><bdi>alice</bdi></a> <span class="login">@mallory</span>')
    expect(html(<MessageItem message={message('hi', 'alice', 'alice')} roomSlug="general" />)).not.toContain('class="login"')
  })

  it.each(PAYLOADS)('renders %j as text', (payload) => rendersAsText(payload, payload, payload))

  it('shows a GitHub author\'s avatar or one uploaded to rtc as their face, and initials for anyone else or any other address', () => {
    const github = html(<MessageItem message={{ ...message('hi', 'Ann', 'ann'), authorAvatarUrl: 'https://avatars.githubusercontent.com/u/7?v=4' }} roomSlug="general" />)
    expect(github).toContain('<img class="face" src="https://avatars.githubusercontent.com/u/7?v=4&amp;s=64" alt=""')
    const local = html(<MessageItem message={message('hi', 'Ann', 'ann')} roomSlug="general" />)
    expect(local).toContain('<span class="face hue-7" aria-hidden="true">A</span>')
    const own = `/avatars/-7/${'ab'.repeat(32)}.webp`
    expect(html(<MessageItem message={{ ...message('hi', 'Ann', 'ann'), authorAvatarUrl: own }} roomSlug="general" />))
      .toContain(`<img class="face" src="${own}" alt=""`)
    for (const url of ['http://avatars.githubusercontent.com/u/7', 'https://evil.example/u/7', 'https://avatars.githubusercontent.com/u/7" onerror="x', 'javascript:alert(1)',
      '//evil.example/avatars/7/x.webp', `/avatars/7/${'ab'.repeat(32)}.webp?x`, `/avatars/7/../../x/${'ab'.repeat(32)}.webp`]) {
      const other = html(<MessageItem message={{ ...message('hi', 'Ann', 'ann'), authorAvatarUrl: url }} roomSlug="general" />)
      expect(other).not.toContain('<img')
    }
  })

  it('renders any text as text', () => {
    fc.assert(fc.property(
      fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom(...PAYLOADS)),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ maxLength: 39 }),
      rendersAsText,
    ), { numRuns: 500 })
  })

  it('keeps every message of a pushed frame inside the one upsert container', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...PAYLOADS), { minLength: 1, maxLength: 5 }), (bodies) => {
      const frame = html(<CreatedFrame messages={bodies.map((b) => message(b, b, 'x'))} roomSlug="general" />)
      expect(frame.match(/hx-swap-oob="/g)).toHaveLength(1)
      expect(frame.match(/<article /g)).toHaveLength(bodies.length)
      expect(frame.startsWith('<div id="messages" hx-swap-oob="upsert key:data-key sort">')).toBe(true)
    }))
  })
})
