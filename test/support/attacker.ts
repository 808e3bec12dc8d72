/**
 * One attack (test/support/attacks.ts) run from a process of its own, steered
 * by lines on stdin: `go` starts its loops, `halt` stops them and answers the
 * tally as a JSON line, `exit` ends. Environment: ATTACK, URL, COOKIE,
 * ORIGIN, SLUG, LOOPS.
 */
import { createInterface } from 'node:readline'
import { ATTACKS, type AttackName, type Tally } from './attacks.ts'

const { ATTACK, URL: url = '', COOKIE: cookie = '', ORIGIN: origin = '', SLUG: slug = '', LOOPS = '1' } = process.env
const send = ATTACKS[ATTACK as AttackName]({ url, cookie, origin, slug })
let running: Promise<unknown> | undefined
let counts: Tally = { accepted: 0, refused: 0, other: 0 }
let done = true
const loop = async () => {
  while (!done) {
    try {
      counts[await send()]++
    } catch {
      counts.other++
    }
  }
}
createInterface({ input: process.stdin }).on('line', async (command) => {
  if (command === 'go') {
    counts = { accepted: 0, refused: 0, other: 0 }
    done = false
    running = Promise.all(Array.from({ length: Number(LOOPS) }, loop))
  } else if (command === 'halt') {
    done = true
    await running
    process.stdout.write(JSON.stringify(counts) + '\n')
  } else process.exit(0)
}).on('close', () => process.exit(0))
