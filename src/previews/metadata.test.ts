import { describe, expect, it } from 'vitest'
import { firstLink } from '../messages/markdown.ts'
import { decodePage, readMetadata } from './metadata.ts'

const page = new URL('https://news.example/a/b')

describe('page metadata', () => {
  it('prefers OpenGraph, then Twitter, then the document, as plain text with entities decoded', () => {
    expect(readMetadata(`<head><title>Doc</title><meta name="description" content="Plain words">
      <meta name="twitter:title" content="Tweet"><meta property="og:title" content="Open &amp; graph">
      <meta property="og:site_name" content="News"><meta property="og:image" content="../img.png"></head>`, page))
      .toEqual({ title: 'Open & graph', description: 'Plain words', site: 'News', image: 'https://news.example/img.png' })
    expect(readMetadata('<title>Doc</title><meta name="twitter:title" content="Tweet">', page)).toEqual({ title: 'Tweet' })
    expect(readMetadata('<TITLE>  A\n\tB\u202e </TITLE><svg><title>not this</title></svg>', page)).toEqual({ title: 'A B' })
  })

  it('takes no image but an http(s) one, reads a page cut short, and cuts long text', () => {
    expect(readMetadata('<title>x</title><meta property="og:image" content="javascript:alert(1)">', page)).toEqual({ title: 'x' })
    expect(readMetadata('<html><head><title>Cut sho', page)).toEqual({ title: 'Cut sho' })
    const long = readMetadata(`<title>${'word '.repeat(100)}</title>`, page).title!
    expect([...long]).toHaveLength(200)
    expect(long.endsWith('…')).toBe(true)
    expect(readMetadata('<body>nothing</body>', page)).toEqual({})
  })

  it('decodes the charset the Content-Type or a meta tag names, UTF-8 otherwise', () => {
    const latin = new Uint8Array([0x3c, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3e, 0xe9, 0x3c, 0x2f, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3e])
    expect(decodePage(latin, 'text/html; charset=iso-8859-1')).toBe('<title>é</title>')
    expect(decodePage(new TextEncoder().encode('<meta charset="bogus-x"><title>é</title>'), 'text/html')).toContain('é')
  })
})

describe('the first link of a message', () => {
  it('is the first http(s) link outside code and quotes, written out or bare', () => {
    expect(firstLink('see https://a.example/x and https://b.example')).toBe('https://a.example/x')
    expect(firstLink('[here](http://a.example/) then https://b.example')).toBe('http://a.example/')
    expect(firstLink('`https://code.example` mailto:me@x.example https://b.example')).toBe('https://b.example')
    expect(firstLink('> https://quoted.example\n\nhttps://mine.example')).toBe('https://mine.example')
    expect(firstLink('```\nhttps://fenced.example\n```')).toBeUndefined()
    expect(firstLink('example.com and ftp://x.example')).toBeUndefined()
  })
})
