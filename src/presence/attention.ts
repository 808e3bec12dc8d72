import type { Logger } from '../log.ts'
import type { Presence } from '../store/ports.ts'

export interface AttentionOptions {
  presence: Presence
  /** A visible tab keeps its person present this long after its last reported use (`PRESENCE_IDLE_SECONDS`). */
  idleMs: number
  log: Logger
  /** A tab's repeated "active" reports are written at most this often: a noisy or hostile tab costs no more. */
  minWriteMs?: number
}

/** What a tab says over its socket: `{"presence":"active"}` (visible and used just now) or `{"presence":"hidden"}`. */
export type TabState = 'active' | 'hidden'

/** A socket frame's report, or undefined for anything else (sockets carry no other client frames). */
export function tabReport(frame: string): TabState | undefined {
  if (frame.length > 64) return undefined
  try {
    const state = (JSON.parse(frame) as { presence?: unknown } | null)?.presence
    return state === 'active' || state === 'hidden' ? state : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether someone is looking at rtc, per tab. A tab reports when it is shown
 * or hidden and, while shown, when its person uses it (the page throttles
 * these to a few per idle period). Its person is present while some tab of
 * theirs, on any instance, was shown and used within `idleMs`; a hidden,
 * closed or idle tab counts for nothing, so a desktop left open in the
 * background no longer keeps pushes from the phone. Costs one presence write
 * per tab per report, none per message.
 */
export function attention({ presence, idleMs, log, minWriteMs = 1000 }: AttentionOptions) {
  let tabs = 0
  return {
    /** One tab's reporter, for the life of its socket: `report` each frame's state, `closed` when the socket ends. */
    tab(userId: number) {
      const tab = String(++tabs)
      let attending = false
      let lastWrite = 0
      const failed = (err: unknown) => log.warn({ err, userId }, 'presence not updated')
      return {
        report(state: TabState): void {
          const now = Date.now()
          if (state === 'hidden') {
            if (!attending) return
            attending = false
            void presence.away(userId, tab).catch(failed)
            return
          }
          if (attending && now - lastWrite < minWriteMs) return
          attending = true
          lastWrite = now
          void presence.attend(userId, tab, now + idleMs).catch(failed)
        },
        closed(): void {
          if (!attending) return
          attending = false
          void presence.away(userId, tab).catch(failed)
        },
      }
    },
  }
}

export type Attention = ReturnType<typeof attention>
