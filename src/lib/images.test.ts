import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { imageThreadsInBackground, loadSharp } from './images.ts'

/** A thread's nice value: field 19 of its stat, counted after the command name (which may hold spaces). */
function niceOf(tid: string | number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

/** The nice value of each of this process's libvips threads. */
function imageThreadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'libvips worker' ? [niceOf(tid)] : []
    } catch {
      return []
    }
  })
}

describe('image work in the background', () => {
  it('puts the threads that made an image below the process in priority (Linux)', async () => {
    const sharp = (await loadSharp())!
    expect(sharp).toBeDefined()
    const make = () => sharp({ create: { width: 600, height: 400, channels: 3, background: '#3a7' } }).resize(200).webp().toBuffer()
    await make()
    expect(imageThreadNices().length).toBeGreaterThan(0)
    imageThreadsInBackground()
    expect(imageThreadNices().every((nice) => nice === 10)).toBe(true)
    // Threads started later (by lowered ones or otherwise) are lowered after the next image too.
    await make()
    imageThreadsInBackground()
    expect(imageThreadNices().every((nice) => nice === 10)).toBe(true)
    // The process's own thread (the event loop) keeps its priority.
    expect(niceOf(process.pid)).toBe(0)
  })
})
