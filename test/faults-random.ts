/**
 * `npm run faults`: the fault cases of test/faults.e2e.test.ts, randomised and longer. Each
 * round makes a room on two instances with four resuming readers, arms one fault (cut before,
 * cut after, or hold) at a random statement of a random instance, and runs three writers that
 * retry by nonce, plus edits; sometimes a third instance, a process of its own, is killed with
 * SIGKILL while its statement is held. Every round is counted; any lost, doubled, reordered or
 * phantom message, doubled nonce or missed edit fails the run.
 *   FAULT_ROUNDS (default 20), FAULT_SEED (default: random; printed, to replay a run)
 */
import type { FaultAction } from './support/cqlProxy.ts'
import { faultWorld } from './support/faults.ts'

const rounds = Number(process.env.FAULT_ROUNDS ?? 20)
let seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31))
console.log(`faults: ${rounds} rounds, FAULT_SEED=${seed}`)
/** mulberry32: small, seedable, good enough to pick faults. */
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!

const STATEMENTS = {
  claim: /^BATCH: UPDATE room_log SET last_pos/,
  apply: /^UPDATE room_log SET body/,
  'read head': /^SELECT last_pos FROM room_log/,
  'read positions': /^SELECT pos, op/,
  'read markers': /^SELECT nonce_key/,
  'note tries': /^BATCH: INSERT INTO room_nonces/,
} as const
const ACTIONS: FaultAction[] = ['cut-before', 'cut-after', 'hold']

const world = await faultWorld()
let failed = 0
const started = Date.now()
try {
  for (let round = 1; round <= rounds; round++) {
    const statement = pick(Object.keys(STATEMENTS) as (keyof typeof STATEMENTS)[])
    const kill = random() < 0.15
    const action = kill ? 'hold' : pick(ACTIONS)
    const skip = Math.floor(random() * 6)
    const holdMs = 300 + Math.floor(random() * 3_000)
    const doomed = kill ? await world.startProcess() : undefined
    const target = doomed ?? world.instances[Math.floor(random() * 2)]!
    const room = await world.room(`round-${round}-${Date.now() % 100000}`)
    const fired = target.proxy.arm({ match: STATEMENTS[statement], action, skip, holdMs: kill ? undefined : holdMs })
    let firedYet = false
    void fired.then(() => { firedYet = true })
    const finalBodies = new Map<string, string>()
    const writers = [0, 1, 2].map(async (w) => {
      for (let i = 0; i < 5; i++) {
        const id = await room.send(`r${round} w${w} m${i}`, { first: Math.floor(random() * world.instances.length), patienceMs: 1_000 })
        if (random() < 0.2) {
          const body = `r${round} w${w} m${i} edited`
          await room.edit(id, body, { first: Math.floor(random() * world.instances.length), patienceMs: 1_000 })
          finalBodies.set(id, body)
        }
      }
    })
    if (doomed) {
      await Promise.race([fired, new Promise((r) => setTimeout(r, 4_000))])
      await doomed.stop()
      doomed.proxy.release()
    }
    await Promise.all(writers)
    target.proxy.release()
    target.proxy.disarm()
    const tally = await room.tally()
    const missedEdits = [...finalBodies].filter(([id, body]) => room.lastFrameOf(id).some((frame) => !frame?.includes(body))).length
    const bad = tally.lost + tally.duplicated + tally.reordered + tally.phantom + tally.doubledNonces + missedEdits
    if (bad) failed++
    if (bad && process.env.FAULT_DEBUG) for (const r of room.readers) console.log(`  reader (${r.connections()} connections): ${r.trace.join(' ')}`)
    console.log(`round ${String(round).padStart(2)}: ${(kill ? 'kill while held' : action).padEnd(15)} at ${statement.padEnd(14)} of ${doomed ? 'C' : target === world.instances[0] ? 'A' : 'B'} (skip ${skip}${action === 'hold' && !kill ? `, ${holdMs} ms` : ''}), ${firedYet ? 'fired' : 'not reached'}: ` +
      `${tally.acknowledged} acknowledged, lost ${tally.lost}, duplicated ${tally.duplicated}, reordered ${tally.reordered}, phantom ${tally.phantom}, ` +
      `doubled nonces ${tally.doubledNonces}, edits missed ${missedEdits}${bad ? '  <-- FAILED' : ''}`)
    await room.close()
  }
} finally {
  await world.close()
}
console.log(`faults: ${rounds - failed} of ${rounds} rounds clean in ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(failed ? 1 : 0)
