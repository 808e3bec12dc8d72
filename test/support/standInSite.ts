import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import sharp from 'sharp'

/**
 * A website on loopback for link previews: pages with and without metadata,
 * redirects (to itself and to private addresses), bodies that never end or
 * trickle, wrong types and a huge image, and many pages sharing one image. Records what it was asked and how
 * much of each endless body it wrote before the fetcher hung up.
 */
export async function standInSite() {
  const image = await sharp({ create: { width: 1200, height: 630, channels: 3, background: { r: 36, g: 87, b: 214 } } })
    .withMetadata({ exif: { IFD0: { Copyright: 'stand-in EXIF' } } }).jpeg().toBuffer()
  const asked: string[] = []
  /** Bytes each endless response had written when its connection closed, by path. */
  const written = new Map<string, number>()
  const timers = new Set<ReturnType<typeof setInterval>>()
  let base = ''
  const html = (res: ServerResponse, body: string, type = 'text/html; charset=utf-8') => {
    res.writeHead(200, { 'content-type': type })
    res.end(body)
  }
  const endless = (res: ServerResponse, path: string, head: string, chunk: string, everyMs: number) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    let sent = Buffer.byteLength(head)
    res.write(head)
    const timer = setInterval(() => {
      if (res.destroyed) return
      sent += Buffer.byteLength(chunk)
      res.write(chunk)
    }, everyMs)
    timers.add(timer)
    res.on('close', () => {
      clearInterval(timer)
      timers.delete(timer)
      written.set(path, sent)
    })
  }

  const server = createServer((req, res) => {
    asked.push(req.url ?? '/')
    const path = new URL(req.url ?? '/', 'http://site').pathname
    // Many pages, one picture: `/page/<name>` all show `/image.jpg`; `/copy/<name>` each show the same bytes under a URL of its own.
    const named = /^\/(page|copy)\/([\w-]+)$/.exec(path)
    if (named) {
      const picture = named[1] === 'page' ? '/image.jpg' : `/copy/${named[2]}.jpg`
      return html(res, `<head><title>Page ${named[2]}</title><meta property="og:image" content="${picture}"></head><body><p>Words.</p></body>`)
    }
    if (/^\/copy\/[\w-]+\.jpg$/.test(path)) {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(image.length) })
      return res.end(image)
    }
    const hops = /^\/hops\/(\d+)$/.exec(path)
    if (hops) {
      const n = Number(hops[1])
      if (n === 0) return html(res, '<title>After the hops</title>')
      res.writeHead(302, { location: `/hops/${n - 1}` })
      return res.end()
    }
    switch (path) {
      case '/article':
        return html(res, `<!doctype html><html><head>
          <title>Document title</title>
          <meta property="og:site_name" content="Stand-in News">
          <meta property="og:title" content="A &amp; B: the &lt;real&gt; story">
          <meta property="og:description" content="What happened,
            in two lines.">
          <meta property="og:image" content="/image.jpg">
          </head><body><svg><title>not this</title></svg></body></html>`)
      case '/twitter':
        return html(res, `<head><meta name="twitter:title" content="Tweeted title"><meta name="twitter:description" content="Tweeted words">
          <meta name="twitter:image" content="${base}/image.jpg"><title>Ignored</title></head>`)
      case '/plain':
        return html(res, '<html><head><title>  Only a\n title </title></head><body>Hello</body></html>')
      case '/bare':
        return html(res, '<html><body><p>No metadata at all.</p></body></html>')
      case '/image.jpg':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(image.length) })
        return res.end(image)
      case '/huge-image-page':
        return html(res, '<title>Huge image</title><meta property="og:image" content="/huge.png">')
      case '/huge.png': {
        // No length given: the fetcher finds out by reading, and must stop at its cap.
        res.writeHead(200, { 'content-type': 'image/png' })
        const megabyte = Buffer.alloc(1024 * 1024, 7)
        for (let i = 0; i < 6; i++) res.write(megabyte)
        return res.end()
      }
      case '/svg-image-page':
        return html(res, '<title>SVG image</title><meta property="og:image" content="/drawing.svg">')
      case '/drawing.svg':
        return html(res, '<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml')
      case '/json':
        return html(res, '{"title":"not a page"}', 'application/json')
      case '/to-private':
        res.writeHead(302, { location: 'http://10.0.0.1/admin' })
        return res.end()
      case '/to-metadata':
        res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data' })
        return res.end()
      case '/endless':
        return endless(res, path, '<html><head><title>Endless</title></head><body>', '<p>'.padEnd(64 * 1024, 'a'), 1)
      case '/slow':
        return endless(res, path, '<html><head><title>Slow but titled</title>', ' ', 100)
      default:
        res.writeHead(404, { 'content-type': 'text/plain' })
        return res.end('not here')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    asked,
    written,
    image,
    async close() {
      for (const timer of timers) clearInterval(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
