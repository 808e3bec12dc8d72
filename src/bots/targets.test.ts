import { describe, expect, it } from 'vitest'
import { checkWebhookTarget, WebhookTargetRefused } from './targets.ts'
import { signWebhook, verifyWebhook } from './signature.ts'

describe('webhook targets', () => {
  it.each([
    ['http://127.0.0.1/x', 'loopback'],
    ['http://[::1]/x', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['http://192.168.0.10/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['http://[fe80::1]/', 'linkLocal'],
    ['http://[fd00::1]/', 'uniqueLocal'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    // IPv4-compatible IPv6 (::/96): a URL writes [::127.0.0.1] as [::7f00:1], which ipaddr.js alone calls unicast.
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[::10.0.0.1]/', 'private'],
    ['http://[::169.254.169.254]/', 'linkLocal'],
    ['http://localhost:9/', 'loopback'],
  ])('refuses %s (%s)', async (url, range) => {
    await expect(checkWebhookTarget(url, [])).rejects.toThrow(new RegExp(`is a ${range} address`))
  })

  it('accepts public addresses, and a private host the administrator allowed', async () => {
    expect(await checkWebhookTarget('https://8.8.8.8/hook', [])).toMatchObject({ address: '8.8.8.8', family: 4 })
    expect(await checkWebhookTarget('https://[2606:4700::1111]/hook', [])).toMatchObject({ address: '2606:4700::1111', family: 6 })
    expect(await checkWebhookTarget('http://127.0.0.1:8081/hook', ['127.0.0.1'])).toMatchObject({ address: '127.0.0.1' })
    expect(await checkWebhookTarget('http://LOCALHOST:8081/hook', ['localhost'])).toMatchObject({ url: expect.any(URL) })
  })

  it('refuses what is not an http(s) URL without credentials', async () => {
    for (const url of ['ftp://8.8.8.8/', 'not a url', 'https://user:pw@8.8.8.8/', 'file:///etc/passwd']) {
      await expect(checkWebhookTarget(url, [])).rejects.toBeInstanceOf(WebhookTargetRefused)
    }
  })
})

describe('webhook signatures', () => {
  it('verifies its own signature and refuses a changed body, another secret or an old timestamp', () => {
    const now = Date.now()
    const header = signWebhook('s3cret', '{"a":1}', Math.floor(now / 1000))
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(verifyWebhook('s3cret', '{"a":1}', header, 300, now)).toBe(true)
    expect(verifyWebhook('s3cret', '{"a":2}', header, 300, now)).toBe(false)
    expect(verifyWebhook('other', '{"a":1}', header, 300, now)).toBe(false)
    expect(verifyWebhook('s3cret', '{"a":1}', header, 300, now + 301_000)).toBe(false)
    expect(verifyWebhook('s3cret', '{"a":1}', 'garbage', 300, now)).toBe(false)
  })
})
