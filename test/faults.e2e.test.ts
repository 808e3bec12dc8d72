import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultWorld } from './support/faults.ts'

/** The statement that claims a room's next positions, and the one that applies an edit or delete. */
const CLAIM = /^BATCH: UPDATE room_log SET last_pos/
const APPLY = /^UPDATE room_log SET body/
const clean = { lost: 0, duplicated: 0, reordered: 0, phantom: 0, doubledNonces: 0 }

let world: Awaited<ReturnType<typeof faultWorld>>
beforeAll(async () => { world = await faultWorld() })
afterAll(() => world?.close())

/**
 * Three writers sending four messages each at once, alternating between the instances, each
 * retrying a send on the next instance until it is acknowledged: while one retries, the others commit.
 */
async function sendTwelve(room: Awaited<ReturnType<typeof world.room>>, patienceMs?: number) {
  await Promise.all([0, 1, 2].map(async (w) => {
    for (let i = 0; i < 4; i++) await room.send(`writer ${w} message ${i}`, { first: (w + i) % 2, patienceMs })
  }))
}

describe('the Cassandra path with faults at exact statements, two instances, four resuming readers', () => {
  it('loses and doubles nothing when an instance\'s link is cut as it sends a claim', async () => {
    const room = await world.room('cut-before')
    const fired = world.instances[0]!.proxy.arm({ match: CLAIM, action: 'cut-before', skip: 2 })
    await sendTwelve(room)
    expect(await fired).toMatch(CLAIM)
    expect(await room.tally()).toMatchObject({ ...clean, acknowledged: 12 })
    await room.close()
  })

  it('loses and doubles nothing when the link is cut after a claim reached the node, so it is stored but never answered', async () => {
    const room = await world.room('cut-after')
    const fired = world.instances[0]!.proxy.arm({ match: CLAIM, action: 'cut-after', skip: 2 })
    await sendTwelve(room)
    await fired
    expect(await room.tally()).toMatchObject({ ...clean, acknowledged: 12 })
    await room.close()
  })

  it('keeps one message per nonce when a held claim lands after the writer retried on the other instance and later sends were stored', async () => {
    const room = await world.room('held-claim')
    const proxy = world.instances[0]!.proxy
    const fired = proxy.arm({ match: CLAIM, action: 'hold', skip: 1 })
    const sending = sendTwelve(room, 700)
    await fired
    // The writer gives up on A, retries on B, and goes on; only then does A's claim reach the node.
    await new Promise((r) => setTimeout(r, 2_500))
    proxy.release()
    await sending
    expect(await room.tally()).toMatchObject({ ...clean, acknowledged: 12 })
    await room.close()
  })

  it('loses and doubles nothing when an instance is killed while its claim is held, and the claim lands after it died', async () => {
    const doomed = await world.startProcess()
    try {
      const room = await world.room('killed')
      const fired = doomed.proxy.arm({ match: CLAIM, action: 'hold' })
      const sending = Promise.all([0, 1, 2].map(async (w) => {
        for (let i = 0; i < 3; i++) await room.send(`writer ${w} message ${i}`, { first: 2 - ((w + i) % 3), patienceMs: 2_000 })
      }))
      await fired
      await doomed.stop()
      doomed.proxy.release()
      await sending
      expect(await room.tally()).toMatchObject({ ...clean, acknowledged: 9 })
      await room.close()
    } finally {
      if (doomed.alive) await doomed.stop()
    }
  })

  it('shows every reader an edit whose instance was cut after claiming it and before applying it', async () => {
    const room = await world.room('edit-cut')
    const id = await room.send('typo')
    await room.send('after')
    const fired = world.instances[0]!.proxy.arm({ match: APPLY, action: 'cut-before' })
    await room.edit(id, 'fixed', { first: 0 })
    await fired
    await room.send('later')
    expect(await room.tally()).toMatchObject({ ...clean, acknowledged: 3 })
    for (const frame of room.lastFrameOf(id)) expect(frame).toContain('fixed')
    await room.close()
  })
})
