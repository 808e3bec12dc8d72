import type { Logger } from '../log.ts'
import type { ReadStateStore, RoomStore, StoredMessage } from './ports.ts'

/** How long a send's side writes may wait to be written together with others. */
export const ACTIVITY_FLUSH_MS = 1000

type Marker = { userId: number; roomId: string; id: string }

/**
 * What a send leaves besides the message: the room's newest activity (the
 * order of sidebars) and the author's read marker (they have read up to what
 * they wrote). Neither has to be durable when the send is acknowledged: live
 * sidebars learn both from the message's wake-up, and an author's own
 * messages never count as unread. So they are written at most once per
 * `flushMs`, every send of that time in one statement each, instead of two
 * writes per send. The stores handed out wait for a pending flush before the
 * reads that see these writes, so this instance reads its own writes; other
 * instances see them within `flushMs`.
 */
export function deferredActivity({ rooms, reads, log, flushMs = ACTIVITY_FLUSH_MS }: {
  rooms: RoomStore; reads: ReadStateStore; log: Logger; flushMs?: number
}) {
  let activity = new Map<string, Date>()
  let markers = new Map<string, Marker>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let flushing: Promise<void> = Promise.resolve()

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (activity.size === 0 && markers.size === 0) return flushing
    const [touched, moved] = [activity, markers]
    activity = new Map()
    markers = new Map()
    flushing = flushing.then(async () => {
      const results = await Promise.allSettled([
        touched.size > 0 && rooms.touchRooms([...touched].map(([roomId, at]) => ({ roomId, at }))),
        moved.size > 0 && reads.advanceAll([...moved.values()]),
      ])
      // Rooms whose rows were busy go in the next batch.
      if (results[0].status === 'fulfilled' && results[0].value) for (const roomId of results[0].value) noteActivity(roomId, touched.get(roomId)!)
      const failed = results.find((r) => r.status === 'rejected')
      if (!failed) return
      log.warn({ err: (failed as PromiseRejectedResult).reason }, 'room activity and read markers not written; trying again')
      // Kept for the next round, unless something newer came meanwhile.
      if (results[0].status === 'rejected') for (const [roomId, at] of touched) noteActivity(roomId, at)
      if (results[1].status === 'rejected') for (const m of moved.values()) noteMarker(m)
    })
    return flushing
  }
  const schedule = () => {
    if (timer) return
    timer = setTimeout(() => void flush(), flushMs)
    ;(timer as { unref?: () => void }).unref?.()
  }
  const noteActivity = (roomId: string, at: Date) => {
    const known = activity.get(roomId)
    if (!known || known < at) activity.set(roomId, at)
    schedule()
  }
  const noteMarker = (m: Marker) => {
    const key = `${m.userId}:${m.roomId}`
    const known = markers.get(key)
    if (!known || BigInt(known.id) < BigInt(m.id)) markers.set(key, m)
    schedule()
  }
  /** Waits for what is pending, so a read that follows sees it. */
  const settled = async () => {
    if (activity.size > 0 || markers.size > 0) await flush()
    else await flushing
  }

  return {
    /** A new message was stored: its room was active, and its author has read up to it. */
    sent(message: StoredMessage): void {
      noteActivity(message.roomId, message.createdAt)
      noteMarker({ userId: message.authorId, roomId: message.roomId, id: message.id })
    },
    flush,
    rooms: {
      ...rooms,
      roomsOf: async (userId) => (await settled(), rooms.roomsOf(userId)),
      publicRoomsToJoin: async (userId, limit) => (await settled(), rooms.publicRoomsToJoin(userId, limit)),
    } satisfies RoomStore,
    reads: {
      ...reads,
      markers: async (userId) => (await settled(), reads.markers(userId)),
      marker: async (userId, roomId) => (await settled(), reads.marker(userId, roomId)),
      unreadMentions: async (userId, cap, upTo) => (await settled(), reads.unreadMentions(userId, cap, upTo)),
    } satisfies ReadStateStore,
  }
}

export type DeferredActivity = ReturnType<typeof deferredActivity>
