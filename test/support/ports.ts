import { createServer } from 'node:net'

/**
 * A loopback port that is free now, chosen below the ephemeral range
 * (32768-60999 on Linux): servers other tests start on port 0 take ephemeral
 * ports, so they cannot grab this one between our check and its use.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
    })
    if (free) return port
  }
}
