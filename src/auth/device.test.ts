import { describe, expect, it } from 'vitest'
import { deviceOf } from './device.ts'

describe('deviceOf', () => {
  it('names the browser, its major version, the system and the kind of device', () => {
    expect(deviceOf('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'))
      .toBe('Safari 17 on iOS, iPhone')
    expect(deviceOf('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe('Firefox 128 on Linux, desktop')
  })

  it('says nothing of an agent that names no browser, and reads only the start of a huge one', () => {
    expect(deviceOf(undefined)).toBeUndefined()
    expect(deviceOf('curl/8.0')).toBeUndefined()
    expect(deviceOf('Mozilla/5.0 ' + 'x'.repeat(100_000))?.length ?? 0).toBeLessThanOrEqual(100)
  })
})
