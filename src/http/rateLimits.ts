import {
  BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type IRateLimiterOptions,
} from 'rate-limiter-flexible'
import type { Limits, Rate } from '../config.ts'

export type LimitName = 'send' | 'rooms' | 'directRooms' | 'members' | 'signIn' | 'sockets' | 'search' | 'manage' | 'exports' | 'invites' | 'testPush'

/** What each refusal tells the person, beside the control they used; `{wait}` becomes "12 s" or "4 min". */
const REASONS: Record<LimitName, string> = {
  send: 'You are sending too fast. Wait {wait} and send again.',
  rooms: 'You have created many rooms lately. You can create another in {wait}.',
  directRooms: 'You have opened many direct rooms lately. Try again in {wait}.',
  members: 'You have added many members lately. Try again in {wait}.',
  signIn: 'Too many sign-in attempts from your address. Try again in {wait}.',
  sockets: 'Too many connections opened lately. Reload the page in {wait}.',
  search: 'You are searching too fast. Try again in {wait}.',
  manage: 'You have changed rooms many times lately. Try again in {wait}.',
  testPush: 'You have sent several test notifications lately. Try again in {wait}.',
  exports: 'You have exported rooms many times lately. Try again in {wait}.',
  invites: 'Too many invite links lately. Try again in {wait}.',
}

/** A refusal by a rate limit: HTTP 429 with Retry-After, or a socket closed with 4429. */
export class RateLimited extends Error {
  readonly code = 'RATE_LIMITED'
  readonly status = 429
  /**
   * `key` is what the limit counts by: a user id, or a client address for
   * sign-in. `report` is true for the first refusal of the key in its window,
   * the one that gets a warn line: the rest show in the request log as 429s,
   * so a flood cannot flood the logs too.
   */
  constructor(readonly limit: LimitName, readonly retryAfterSeconds: number, readonly key: string, readonly report = true) {
    super(REASONS[limit].replace('{wait}', retryAfterSeconds < 120 ? `${retryAfterSeconds} s` : `${Math.ceil(retryAfterSeconds / 60)} min`))
  }
}

export interface RateLimits {
  /** False under `RATE_LIMITS=off`: `take` then never refuses. */
  readonly enabled: boolean
  /** Spends one action of `key` under the named limit; throws `RateLimited` when none is left. */
  take(limit: LimitName, key: string): Promise<void>
  /** Counts a refusal decided without `take` (a key already known to be out). */
  noteRefused(limit: LimitName): void
}

interface Consumer {
  consume(key: string): Promise<unknown>
}

/**
 * The rate limits of `limits` (from config), kept in Redis when a client is
 * given so every instance counts together; each Redis limiter falls back to an
 * in-process one while Redis is away. Without a client they are in-process.
 * A key that ran out is refused from memory until its window ends, so a
 * flood costs no Redis round trips.
 */
export function rateLimits(
  limits: Limits | undefined,
  redis?: { client: unknown; prefix: string },
  { onRefused = () => {} }: { onRefused?: (limit: LimitName) => void } = {},
): RateLimits {
  if (!limits) return { enabled: false, take: async () => {}, noteRefused: () => {} }
  const make = (name: string, { points, seconds }: Rate): RateLimiterMemory | RateLimiterRedis => {
    const options: IRateLimiterOptions = { points, duration: seconds, keyPrefix: name }
    if (!redis) return new RateLimiterMemory(options)
    return new RateLimiterRedis({
      ...options,
      keyPrefix: `${redis.prefix}rl:${name}`,
      storeClient: redis.client,
      inMemoryBlockOnConsumed: points,
      insuranceLimiter: new RateLimiterMemory(options),
    })
  }
  const consumers: Record<LimitName, Consumer> = {
    send: new BurstyRateLimiter(make('send', limits.send), make('send-burst', limits.sendBurst)),
    rooms: make('rooms', limits.rooms),
    directRooms: make('direct-rooms', limits.directRooms),
    members: make('members', limits.members),
    signIn: make('sign-in', limits.signIn),
    sockets: make('sockets', limits.sockets),
    search: make('search', limits.search),
    manage: make('manage', limits.manage),
    testPush: make('test-push', limits.testPush),
    exports: make('exports', limits.exports),
    invites: make('invites', limits.invites),
  }
  /** When each refused key's window ends, to report only its first refusal per window. */
  const reported = new Map<string, number>()
  const firstRefusal = (id: string, until: number) => {
    const now = Date.now()
    if ((reported.get(id) ?? 0) > now) return false
    if (reported.size >= 10_000) for (const [k, end] of reported) if (end <= now) reported.delete(k)
    reported.set(id, until)
    return true
  }
  return {
    enabled: true,
    noteRefused: onRefused,
    async take(limit, key) {
      try {
        await consumers[limit].consume(key)
      } catch (res) {
        // Anything but a refusal is a store failure the insurance limiter already absorbed; never block on it.
        if (!(res instanceof RateLimiterRes)) return
        onRefused(limit)
        const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000))
        throw new RateLimited(limit, retryAfter, key, firstRefusal(`${limit}:${key}`, Date.now() + res.msBeforeNext))
      }
    },
  }
}
