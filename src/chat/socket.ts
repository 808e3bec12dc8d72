import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import { signedInUser, type AppEnv } from '../context.ts'
import { roomAndMembership } from '../http/roomAccess.ts'
import type { RoomStore } from '../store/ports.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import { ConnectionNotice } from '../views/RoomPage.tsx'
import { html } from '../views/Message.tsx'
import type { SocketRegistry } from '../realtime/sockets.ts'
import { Connection, SEND_TEXT_BYTES, type TextBytesSender } from '../realtime/connection.ts'
import type { PresenceTracker } from '../presence/tracker.ts'
import { tabReport, type Attention } from '../presence/attention.ts'
import type { RoomFeed } from '../realtime/feed.ts'
import { CLOSE, type Hub } from '../realtime/hub.ts'
import { isId } from '../messages/ids.ts'
import { renderReplay } from './render.ts'
import type { MessageService } from '../messages/service.ts'
import type { Awareness } from '../awareness/awareness.ts'
import type { MentionDirectory } from '../messages/mentionDirectory.ts'
import type { ReplyDirectory } from '../messages/replies.ts'

export interface SocketRoutesOptions {
  upgradeWebSocket: UpgradeWebSocket
  publicUrl: string
  rooms: RoomStore
  chat: MessageService
  hub: Hub
  feed: RoomFeed
  tracker: PresenceTracker
  /** Each tab says over its socket whether it is shown and used: its person's presence for Web Push. */
  attention: Attention
  sockets: SocketRegistry
  limits: RateLimits
  /** The user's own stream (sidebar counts, rooms coming and going) rides on the same socket. */
  awareness: Awareness
  mentions: MentionDirectory
  replies: ReplyDirectory
}

/**
 * The most a (re)connecting socket is replayed. A reader further behind (a tab asleep for days, or a
 * `since=0`) is told to load the room's newest page instead: a page of history is 50 messages, while a
 * whole room pushed down one socket could be megabytes, ten of them at once a stalled instance.
 */
const REPLAY_LIMIT = 500
/** What a reader too far behind is told before its socket closes with `CLOSE.tooFarBehind`. */
const TOO_FAR_BEHIND = 'Many messages came while this page was away: loading the newest.'
/** Frames larger than this close the socket with 1009. Node's `ws` enforces it before buffering (maxPayload); this covers Deno. */
export const MAX_FRAME_BYTES = 64 * 1024

/** How the connection sees a runtime's socket; `raw` is `ws` on Node and a WebSocket on Deno, both with bufferedAmount. */
const sinkOf = (ws: WSContext) => {
  const sendBytes = (ws as unknown as { [SEND_TEXT_BYTES]?: TextBytesSender })[SEND_TEXT_BYTES]
  return {
    send: (text: string, bytes?: Uint8Array) => (bytes && sendBytes ? sendBytes(bytes) : ws.send(text)),
    close: (code: number, reason: string) => ws.close(code, reason),
    bufferedAmount: () => (ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0,
  }
}

/**
 * `GET /ws?room=:room&since=ID`: everything is checked before the 101 (session,
 * Origin, membership), then the room's messages newer than `since` are
 * replayed and the room streams live.
 */
export function socketRoutes({ upgradeWebSocket, publicUrl, rooms, chat, hub, feed, tracker, attention, sockets, limits, awareness, mentions, replies }: SocketRoutesOptions) {
  return new Hono<AppEnv>().get(
    '/ws',
    async (c, next) => {
      if (c.req.header('origin') !== publicUrl) throw new HTTPException(403, { message: 'WebSocket from another origin refused.' })
      const { room, member } = await roomAndMembership(rooms, c.req.query('room') ?? '', signedInUser(c.get('user')).id)
      if (!room) throw new HTTPException(404, { message: 'There is no such room.' })
      if (!member) {
        // A private room is no more visible than a missing one.
        if (room.visibility !== 'public') throw new HTTPException(404, { message: 'There is no such room.' })
        throw new HTTPException(403, { message: 'Only members of this room can follow it.' })
      }
      const since = c.req.query('since')
      if (since !== undefined && !isId(since)) throw new HTTPException(400, { message: 'since must be a message id.' })
      c.set('room', room)
      await next()
    },
    upgradeWebSocket(async (c) => {
      const room = c.get('room')
      const user = signedInUser(c.get('user'))
      const sessionHash = c.get('sessionHash')!
      const expiresAt = c.get('sessionExpiresAt')!
      const sinceParam = c.req.query('since')
      // Only what the socket needs outlives the upgrade: no request, no context, no per-socket logger.
      const log = c.get('log')
      const report = (level: 'warn' | 'error', err: unknown, msg: string) => log[level]({ err, roomId: room.id, userId: user.id }, msg)
      // The contract for a refused socket is a close with 4429 and a reason, so the upgrade goes through first.
      const refusal = await limits.take('sockets', String(user.id)).then(() => undefined, (err: unknown) => {
        if (err instanceof RateLimited) return err
        throw err
      })
      if (refusal) {
        if (refusal.report) log.warn({ limit: refusal.limit, key: refusal.key, retryAfter: refusal.retryAfterSeconds, path: '/ws' }, 'rate limited')
        return {
          onOpen(_event, ws) {
            ws.send(html(ConnectionNotice({ text: refusal.message })))
            ws.close(CLOSE.rateLimited, `rate limited; retry after ${refusal.retryAfterSeconds} s`)
          },
        }
      }
      // Without a cursor the reader starts from now: the room's newest as of before the 101. A message stored after
      // the client saw its socket open is then replayed or pushed, never skipped (this instance's feed may learn of
      // it, and move its cursor past it, before the socket below is subscribed).
      const startRev = sinceParam ?? (await chat.lastRev(room))
      let connection: Connection | undefined
      let unsubscribe = () => {}
      let unregister = () => {}
      let unfollow = () => {}
      let counted = false
      const tab = attention.tab(user.id)
      const gone = () => {
        tab.closed()
        unsubscribe()
        unregister()
        unfollow()
        if (!counted) return
        counted = false
        tracker.disconnected(user.id).catch((err: unknown) => report('warn', err, 'presence not updated'))
      }

      return {
        onOpen(_event, ws) {
          connection = new Connection({ userId: user.id, sink: sinkOf(ws), since: sinceParam === undefined ? undefined : BigInt(sinceParam), onClose: gone,
            onSlow: () => hub.noteSlowClose() })
          const live = connection
          unsubscribe = hub.subscribe(room, live)
          unregister = sockets.add({
            userId: user.id,
            sessionHash,
            close: (code, reason, notice) => live.close(code, reason, html(ConnectionNotice({ text: notice }))),
          }, expiresAt)
          if (live.closed) return
          unfollow = awareness.follow(user, live, room.id)
          counted = true
          tracker.connected(user.id).catch((err: unknown) => report('warn', err, 'presence not updated'))
          void (async () => {
            await feed.track(room.id)
            const known = feed.cursor(room.id) ?? (await chat.lastRev(room))
            let cursor = startRev
            // A cursor beyond the room's newest (a tab from before a store change, or a forged one) would mute
            // the socket: such a reader starts from now.
            if (BigInt(cursor) > BigInt(known)) {
              const head = await chat.lastRev(room)
              if (BigInt(cursor) > BigInt(head)) cursor = head
            }
            if (cursor !== sinceParam) cursor = String(live.startFrom(BigInt(cursor)))
            const since = BigInt(cursor)
            const tooFar = () => live.close(CLOSE.tooFarBehind, 'too far behind: load the newest page', html(ConnectionNotice({ text: TOO_FAR_BEHIND })))
            // Told without reading 501 changes where the store counts its changes by rev (a since=0 socket in a big room).
            if (chat.changesBetween(since, BigInt(known)) > REPLAY_LIMIT) return tooFar()
            const batch = await chat.changesSince(room, cursor, REPLAY_LIMIT + 1)
            if (live.closed) return
            if (batch.length > REPLAY_LIMIT) return tooFar()
            if (batch.length > 0) {
              const [isMember, replyOf] = await Promise.all([mentions.load(room.id, batch.map((m) => m.body)), replies.load(room.id, batch)])
              live.replay(renderReplay(batch, room.slug, since, isMember, replyOf), BigInt(batch.at(-1)!.rev))
              hub.noteReplayed(batch.length)
            }
            live.goLive()
          })().catch((err: unknown) => {
            report('error', err, 'replay failed')
            live.close(1011, 'could not load messages; reconnecting')
          })
        },
        onMessage(event, ws) {
          // Sends travel over HTTP; a tab only says here whether it is shown and used. Anything else is dropped, but size is policed.
          const data = event.data as string | ArrayBuffer | Blob
          const size = typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data instanceof Blob ? data.size : data.byteLength
          if (size > MAX_FRAME_BYTES) return ws.close(CLOSE.tooBig, 'frame too large')
          const state = typeof data === 'string' && !connection?.closed ? tabReport(data) : undefined
          if (state) tab.report(state)
        },
        onClose() {
          gone()
          connection?.close(1000, 'closed')
        },
        onError(err) {
          report('warn', err, 'socket error')
        },
      }
    }),
  )
}
