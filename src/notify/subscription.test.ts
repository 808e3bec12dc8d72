import { createECDH, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { excerpt } from './notifier.ts'
import { checkEndpoint, checkSubscription, reachableAddress } from './subscription.ts'

const production = { allowLoopback: false }
const tests = { allowLoopback: true }
const keys = () => ({ p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') })

describe('checkSubscription', () => {
  it('accepts a browser subscription as toJSON() gives it', () => {
    const k = keys()
    const checked = checkSubscription({ endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def', expirationTime: null, keys: k }, production)
    expect(checked).toEqual({ ok: true, subscription: { endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def', ...k } })
  })

  it('refuses keys of the wrong length, characters or curve', () => {
    const k = keys()
    const endpoint = 'https://push.example.org/x'
    expect(checkSubscription({ endpoint, keys: { ...k, p256dh: k.p256dh.slice(1) } }, production)).toMatchObject({ ok: false, error: expect.stringMatching(/p256dh/) })
    expect(checkSubscription({ endpoint, keys: { ...k, auth: `${k.auth}AA` } }, production)).toMatchObject({ ok: false, error: expect.stringMatching(/auth/) })
    expect(checkSubscription({ endpoint, keys: { ...k, auth: k.auth.replace(/.$/, '!') } }, production)).toMatchObject({ ok: false })
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url')
    expect(checkSubscription({ endpoint, keys: { ...k, p256dh: offCurve } }, production)).toMatchObject({ ok: false, error: expect.stringMatching(/P-256/) })
    expect(checkSubscription({ endpoint }, production)).toMatchObject({ ok: false, error: expect.stringMatching(/keys/) })
    expect(checkSubscription(null, production)).toMatchObject({ ok: false })
    expect(checkSubscription({ endpoint: `https://push.example.org/${'x'.repeat(2100)}`, keys: k }, production)).toMatchObject({ ok: false })
  })
})

describe('checkEndpoint', () => {
  it('takes https push services on the internet only, unless loopback is allowed for a stand-in', () => {
    expect(checkEndpoint('https://updates.push.services.mozilla.com/wpush/v2/x', production)).toBeUndefined()
    expect(checkEndpoint('http://updates.push.services.mozilla.com/x', production)).toMatch(/https/)
    for (const url of ['https://127.0.0.1/x', 'https://localhost/x', 'https://[::1]/x', 'https://10.0.0.8/x', 'https://192.168.1.2/x',
      'https://169.254.169.254/latest', 'https://[::ffff:127.0.0.1]/x', 'https://[fd00::1]/x', 'https://0.0.0.0/x']) {
      expect({ url, refused: checkEndpoint(url, production) }).toEqual({ url, refused: expect.any(String) })
    }
    expect(checkEndpoint('http://127.0.0.1:9999/push/x', tests)).toBeUndefined()
    expect(checkEndpoint('https://10.0.0.8/x', tests)).toMatch(/private/)
    expect(checkEndpoint('https://user:pw@push.example.org/x', production)).toMatch(/credentials/)
    expect(checkEndpoint('not a url', production)).toMatch(/not a URL/)
  })

  it('tells a public address from a private one, as resolved at send time', () => {
    expect(reachableAddress('142.250.74.10', production)).toBe(true)
    expect(reachableAddress('2a00:1450:4001:80b::200a', production)).toBe(true)
    expect(reachableAddress('10.1.2.3', production)).toBe(false)
    expect(reachableAddress('::ffff:10.1.2.3', production)).toBe(false)
    expect(reachableAddress('::7f00:1', production)).toBe(false)
    expect(reachableAddress('::a01:203', production)).toBe(false)
    expect(reachableAddress('::8.8.8.8', production)).toBe(true)
    expect(reachableAddress('::1', production)).toBe(false)
    expect(reachableAddress('127.0.0.1', production)).toBe(false)
    expect(reachableAddress('127.0.0.1', tests)).toBe(true)
    expect(reachableAddress('no', tests)).toBe(false)
  })
})

describe('excerpt', () => {
  it('folds whitespace and cuts long text at a character, marking the cut', () => {
    expect(excerpt('hello\n\n  @bob   there')).toBe('hello @bob there')
    const long = '😀'.repeat(200)
    expect([...excerpt(long)]).toHaveLength(140)
    expect(excerpt(long).endsWith('😀…')).toBe(true)
  })
})
