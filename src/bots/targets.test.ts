import { describe, expect, it } from 'vitest'
import { checkWebhookTarget, WebhookTargetRefused } from './targets.ts'
import { signWebhook, verifyWebhook } from './signature.ts'
import { REFUSED_TARGETS } from '../../test/support/refusedTargets.ts'

describe('webhook targets', () => {
  it.each(REFUSED_TARGETS)('refuses %s (%s)', async (url, range) => {
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
