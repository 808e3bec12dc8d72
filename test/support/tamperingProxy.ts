import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A man in the middle in front of an identity provider: passes every request
 * through, and while `tampering` is on flips one byte of the signature of the
 * ID token in each token endpoint answer. Reach the provider through `url`.
 */
export async function tamperingProxy() {
  let target: string | undefined
  const state = { tampering: false, tampered: 0 }
  const server = createServer((req, res) => {
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      if (!(state.tampering && req.method === 'POST' && req.url === '/token' && answer.statusCode === 200)) {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        return
      }
      const chunks: Buffer[] = []
      answer.on('data', (c: Buffer) => chunks.push(c))
      answer.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id_token: string }
        const [header, payload, signature] = body.id_token.split('.')
        const bytes = Buffer.from(signature!, 'base64url')
        bytes[10] = bytes[10]! ^ 0x01
        state.tampered++
        const text = JSON.stringify({ ...body, id_token: `${header}.${payload}.${bytes.toString('base64url')}` })
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) })
        res.end(text)
      })
    })
    upstream.on('error', () => { res.writeHead(502).end() })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    /** Where requests go on to. */
    forwardTo(address: string) { target = address },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
