import { describe, expect, it } from 'vitest'
import { KeyedSequencer } from './sequencer.ts'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('KeyedSequencer', () => {
  it('runs one task at a time per key, in the order they were given', async () => {
    const seq = new KeyedSequencer()
    const log: string[] = []
    const task = (name: string, ms: number) => async () => { log.push(`start ${name}`); await tick(ms); log.push(`end ${name}`); return name }
    const results = await Promise.all([seq.run('room', task('a', 20)), seq.run('room', task('b', 1)), seq.run('room', task('c', 5))])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
  })

  it('lets different keys run side by side', async () => {
    const seq = new KeyedSequencer()
    const log: string[] = []
    await Promise.all([
      seq.run('one', async () => { log.push('one'); await tick(20); log.push('one done') }),
      seq.run('two', async () => { log.push('two'); await tick(1); log.push('two done') }),
    ])
    expect(log).toEqual(['one', 'two', 'two done', 'one done'])
  })

  it('goes on after a failed task', async () => {
    const seq = new KeyedSequencer()
    await expect(seq.run('k', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await seq.run('k', async () => 'next')).toBe('next')
  })
})
