/**
 * The linked site of scenario l: on loopback, in the load generator's process (it stands for the rest
 * of the web). `/page/<n>` is an article with OpenGraph metadata and an image of its own,
 * `/image/<n>.jpg` that image (one 1200×630 JPEG, the usual card size, made once with sharp).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import sharp from 'sharp'

export async function benchSite() {
  const image = await sharp({ create: { width: 1200, height: 630, channels: 3, background: { r: 40, g: 110, b: 160 } } }).jpeg({ quality: 80 }).toBuffer()
  let pages = 0
  let images = 0
  const server = createServer((req, res) => {
    const page = /^\/page\/(\d+)$/.exec(req.url ?? '')
    if (page) {
      pages++
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      return res.end(`<!doctype html><html><head><title>Page ${page[1]}</title>
        <meta property="og:site_name" content="Bench News"><meta property="og:title" content="Article number ${page[1]}">
        <meta property="og:description" content="A page every message links to, with an image of its own.">
        <meta property="og:image" content="/image/${page[1]}.jpg"></head><body>${'<p>Words.</p>'.repeat(200)}</body></html>`)
    }
    if (/^\/image\/\d+\.jpg$/.test(req.url ?? '')) {
      images++
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(image.length) })
      return res.end(image)
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Pages and images served so far. */
    served: () => ({ pages, images }),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
