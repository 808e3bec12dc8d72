import { describe, expect, it } from 'vitest'
import { createLogger } from '../log.ts'
import { memoryPresence } from '../store/memory/presence.ts'
import type { Presence } from '../store/ports.ts'
import { attention, tabReport } from './attention.ts'

/** In-process presence that also counts its writes. */
function counted(): Presence & { writes: number } {
  const inner = memoryPresence()
  const p = {
    ...inner,
    writes: 0,
    async attend(userId: number, tab: string, until: number) { p.writes++; return inner.attend(userId, tab, until) },
    async away(userId: number, tab: string) { p.writes++; return inner.away(userId, tab) },
  }
  return p
}
const settle = () => new Promise((r) => setTimeout(r, 0))

describe('tabReport', () => {
  it('reads a tab\'s presence frame and nothing else', () => {
    expect(tabReport('{"presence":"active"}')).toBe('active')
    expect(tabReport('{"presence":"hidden"}')).toBe('hidden')
    for (const frame of ['{"presence":"away"}', 'active', '{}', 'null', '[]', `{"presence":"active","x":"${'y'.repeat(80)}"}`]) {
      expect({ frame, state: tabReport(frame) }).toEqual({ frame, state: undefined })
    }
  })
})

describe('attention', () => {
  it('makes a person present while one of their tabs is shown and used, and away once every one is hidden or closed', async () => {
    const presence = counted()
    const tabs = attention({ presence, idleMs: 60_000, log: createLogger('silent') })
    const [desk, laptop] = [tabs.tab(1), tabs.tab(1)]
    desk.report('active')
    laptop.report('active')
    await settle()
    expect(await presence.present([1])).toEqual(new Set([1]))
    desk.report('hidden')
    await settle()
    expect(await presence.present([1])).toEqual(new Set([1]))
    laptop.closed()
    await settle()
    expect(await presence.present([1])).toEqual(new Set())
  })

  it('writes a tab\'s repeated "active" at most once per minWriteMs, and a hidden tab\'s "hidden" once', async () => {
    const presence = counted()
    const tab = attention({ presence, idleMs: 60_000, log: createLogger('silent'), minWriteMs: 10_000 }).tab(2)
    for (let i = 0; i < 50; i++) tab.report('active')
    for (let i = 0; i < 5; i++) tab.report('hidden')
    tab.closed()
    await settle()
    expect(presence.writes).toBe(2)
    // Shown again after being hidden: written at once, whatever the last write.
    tab.report('active')
    await settle()
    expect(presence.writes).toBe(3)
  })
})
