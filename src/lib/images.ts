import { readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'

type Sharp = typeof import('sharp').default

/** How much lower than the process image work runs (Linux nice steps: 10 gives it about a tenth of a busy core's time). */
const BACKGROUND_NICE = 10
/** libvips names the threads that decode, resize and encode. */
const IMAGE_THREAD = 'libvips worker'

let sharpLoaded: Promise<Sharp | undefined> | undefined
/**
 * sharp, or undefined where it cannot load (a runtime without its prebuilt binary: files are then
 * stored and served without previews, link cards come without images). Every image rtc makes
 * (attachment previews, link-card images, avatars) is made in the background of some request or
 * send, so its threads run at a lower priority: see `imageThreadsInBackground`.
 */
export const loadSharp = () => (sharpLoaded ??= import('sharp').then((m) => {
  const sharp = m.default
  // One image at a time per job: a burst of cards or previews must not take both cores from sends.
  sharp.concurrency(1)
  return sharp
}, () => undefined))

const lowered = new Set<string>()
/**
 * Re-encoding an image costs 10–25 ms of CPU, as much as several sends; a burst of link cards at 50 a
 * second would take half a core from the event loop that answers sends and pushes messages. libvips does
 * that work in threads of its own, started when first needed: this puts each one seen so far at nice 10
 * (Linux `setpriority` takes a thread id), so on a busy box the scheduler gives sends their time first and
 * the images wait, while an idle box makes them as fast as before. Called after each image (threads made by
 * one are lowered before the next); does nothing where threads cannot be listed or reniced.
 */
export function imageThreadsInBackground(): void {
  let tasks: string[]
  try {
    tasks = readdirSync('/proc/self/task')
  } catch {
    return
  }
  for (const tid of tasks) {
    if (lowered.has(tid)) continue
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== IMAGE_THREAD) continue
      setPriority(Number(tid), BACKGROUND_NICE)
      lowered.add(tid)
    } catch {
      // The thread ended meanwhile, or this runtime cannot renice threads: it runs at the process's priority.
    }
  }
  const live = new Set(tasks)
  for (const tid of lowered) if (!live.has(tid)) lowered.delete(tid)
}
