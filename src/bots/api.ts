import { Hono, type Context } from 'hono'
import { hashSessionToken } from '../auth/session.ts'
import { ChatError, type MessageService } from '../messages/service.ts'
import type { AppEnv } from '../context.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import { roomAndMembership } from '../http/roomAccess.ts'
import type { BotStore, RoomStore } from '../store/ports.ts'

export interface BotApiOptions {
  bots: BotStore
  rooms: RoomStore
  chat: MessageService
  limits: RateLimits
}

// The scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9_-]{43})$/i
/** The same shape as the page's nonce, which the key becomes. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/

const refuse = (c: Context, status: 401 | 403 | 404 | 422 | 429, error: string, code: string) => c.json({ error, code }, status)

/**
 * `POST /api/rooms/:room/messages`: a bot posts with `Authorization: Bearer
 * <token>`, a JSON `{"body": …}` or a text/plain body, and an optional
 * `Idempotency-Key` (the message's nonce: a retry never posts twice). The
 * API knows no cookie and needs no CSRF token; it answers JSON only.
 * Mounted before the session, Origin and sign-in middleware.
 */
export function botApiRoutes({ bots, rooms, chat, limits }: BotApiOptions) {
  return new Hono<AppEnv>().post('/api/rooms/:room/messages', async (c) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1]
    const found = token ? await bots.botByTokenHash(await hashSessionToken(token)) : undefined
    if (!found) {
      c.header('WWW-Authenticate', 'Bearer realm="rtc"')
      return refuse(c, 401, 'A bot token is needed: Authorization: Bearer <token>.', 'UNAUTHORIZED')
    }
    if (found.banned) return refuse(c, 403, 'This bot is banned: an administrator can lift the ban on /admin.', 'BANNED')
    const { bot } = found
    const { room, member } = await roomAndMembership(rooms, c.req.param('room'), bot.id)
    // A private room the bot is not in is as missing to it as to anyone.
    if (!room) return refuse(c, 404, 'There is no such room.', 'NOT_FOUND')
    if (!member) {
      if (room.visibility !== 'public') return refuse(c, 404, 'There is no such room.', 'NOT_FOUND')
      return refuse(c, 403, 'This bot is not a member of the room: a member adds it by its name first.', 'NOT_MEMBER')
    }
    try {
      await limits.take('send', String(bot.id))
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      c.header('Retry-After', String(err.retryAfterSeconds))
      return refuse(c, 429, err.message, 'RATE_LIMITED')
    }
    const key = c.req.header('idempotency-key')
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      return refuse(c, 422, 'Idempotency-Key is 8 to 64 letters, digits, - or _.', 'INVALID_KEY')
    }
    const body = await readBody(c)
    if (body === undefined) return refuse(c, 422, 'Send JSON {"body": "text"} or a text/plain body.', 'INVALID_BODY')
    try {
      const { message, created } = await chat.send(bot, room, body, key)
      return c.json({ id: message.id, room: room.slug, createdAt: message.createdAt.toISOString() }, created ? 201 : 200)
    } catch (err) {
      if (!(err instanceof ChatError)) throw err
      return c.json({ error: err.message, code: err.code }, err.status)
    }
  })
}

/** The message text of a JSON or text/plain request; undefined for anything else. */
async function readBody(c: Context): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'text/plain') return c.req.text()
  if (type !== 'application/json') return undefined
  try {
    const parsed = await c.req.json<unknown>()
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { body?: unknown }).body === 'string' ? (parsed as { body: string }).body : undefined
  } catch {
    return undefined
  }
}
