import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateVapidKeys } from '../../src/notify/push.ts'

export interface ReceivedPush {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  /** When it arrived, on this process's performance clock. */
  readonly at: number
}

/** VAPID keys and the environment that turns push on, with loopback endpoints allowed for the stand-in. */
export function pushEnv() {
  const vapid = generateVapidKeys()
  return {
    vapid,
    env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:ops@example.org', PUSH_ALLOW_LOOPBACK_ENDPOINTS: 'true' },
  }
}

/**
 * A stand-in push service on loopback: records every push it is sent and
 * answers 201, or the status set for a path (410 for a gone subscription).
 */
export async function startPushService() {
  const received: ReceivedPush[] = []
  const answers = new Map<string, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks), at: performance.now() })
      res.statusCode = answers.get(path) ?? 201
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    received,
    /** Pushes sent to this subscription so far. */
    to: (subscriber: Subscriber) => received.filter((r) => r.path === subscriber.path),
    answer: (subscriber: Subscriber, status: number) => void answers.set(subscriber.path, status),
    subscriber: (name: string) => testSubscriber(origin, `/push/${name}-${randomBytes(6).toString('hex')}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type Subscriber = ReturnType<typeof testSubscriber>

/** A browser's side of a subscription: its P-256 key pair and auth secret, and the decryption of what it is sent. */
export function testSubscriber(origin: string, path: string) {
  const ecdh = createECDH('prime256v1')
  const publicKey = ecdh.generateKeys()
  const auth = randomBytes(16)
  return {
    path,
    json: { endpoint: `${origin}${path}`, expirationTime: null, keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') } },
    /** RFC 8291 (aes128gcm, RFC 8188): the plaintext of one push, or an error if it was not encrypted for this browser. */
    decrypt(body: Buffer): string {
      const salt = body.subarray(0, 16)
      const recordSize = body.readUInt32BE(16)
      const idLength = body[20]!
      const serverKey = body.subarray(21, 21 + idLength)
      const ciphertext = body.subarray(21 + idLength)
      if (ciphertext.length > recordSize) throw new Error('more than one record')
      const shared = ecdh.computeSecret(serverKey)
      const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), publicKey, serverKey])
      const ikm = Buffer.from(hkdfSync('sha256', shared, auth, keyInfo, 32))
      const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
      const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
      const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
      decipher.setAuthTag(ciphertext.subarray(-16))
      const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()])
      let end = padded.length - 1
      while (end >= 0 && padded[end] === 0) end--
      if (padded[end] !== 2) throw new Error('the last record must end with the delimiter 0x02')
      return padded.subarray(0, end).toString('utf8')
    },
  }
}

/**
 * Checks a push's `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292): the key is
 * the server's, the ES256 signature verifies with it, `aud` is the push
 * service's origin and `exp` lies within the next 24 hours. Answers the claims.
 */
export function verifyVapid(header: string | undefined, publicKey: string, audience: string): { aud: string; exp: number; sub: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '')
  if (!match) throw new Error(`not a vapid Authorization header: ${header}`)
  const [, token, key] = match
  if (key !== publicKey) throw new Error('k is not the server\'s VAPID public key')
  const [head, claims, signature] = token!.split('.')
  const point = Buffer.from(publicKey, 'base64url')
  const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }
  const ok = verify('sha256', Buffer.from(`${head}.${claims}`), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'))
  if (!ok) throw new Error('the VAPID signature does not verify')
  if (JSON.parse(Buffer.from(head!, 'base64url').toString()).alg !== 'ES256') throw new Error('alg is not ES256')
  const body = JSON.parse(Buffer.from(claims!, 'base64url').toString()) as { aud: string; exp: number; sub: string }
  const now = Date.now() / 1000
  if (body.aud !== audience) throw new Error(`aud ${body.aud} is not ${audience}`)
  if (!(body.exp > now && body.exp <= now + 24 * 3600 + 5)) throw new Error(`exp ${body.exp} is not within 24 h`)
  return body
}
