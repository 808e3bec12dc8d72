import { createServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { capturedLogger } from '../../test/support/logs.ts'
import { generateVapidKeys, pushSender } from './push.ts'

const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@example.org' }
const keys = { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' }

describe('pushSender', () => {
  it('refuses a push service whose name resolves to a private address, without connecting', async () => {
    let connections = 0
    const server = createServer((_req, res) => { connections++; res.end() })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    const logs = capturedLogger()
    const send = pushSender({ vapid, policy: { allowLoopback: false }, log: logs.log, resolve: async () => ['127.0.0.1'] })
    expect(await send({ endpoint: `https://push.example.org:${port}/secret-path`, ...keys }, '{}')).toBe('failed')
    const rebinding = pushSender({ vapid, policy: { allowLoopback: false }, log: logs.log, resolve: async () => ['142.250.74.10', '10.0.0.1'] })
    expect(await rebinding({ endpoint: 'https://push.example.org/secret-path', ...keys }, '{}')).toBe('failed')
    expect(connections).toBe(0)
    expect(logs.text()).toContain('push endpoint refused')
    expect(logs.text()).not.toContain('secret-path')
    server.close()
  })

  it('connects to the address it checked, never looking the name up again, and logs failures without the endpoint\'s path', async () => {
    let connections = 0
    const server = createNetServer((socket) => { connections++; socket.destroy() })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    const logs = capturedLogger()
    // push.invalid resolves nowhere: only the address handed over by `resolve` can be reached.
    const send = pushSender({ vapid, policy: { allowLoopback: true }, log: logs.log, resolve: async () => ['127.0.0.1'] })
    expect(await send({ endpoint: `https://push.invalid:${port}/secret-path`, ...keys }, '{}')).toBe('failed')
    expect(connections).toBe(1)
    expect(logs.text()).toContain('push not sent')
    expect(logs.text()).not.toContain('secret-path')
    server.close()
  })
})
