import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel'
import pLimit, { type LimitFunction } from 'p-limit'
import pRetry, { AbortError } from 'p-retry'
import { mentionedLogins } from '../messages/mentions.ts'
import type { Logger } from '../log.ts'
import type { BotHook, BotStore, Room, StoredMessage, User } from '../store/ports.ts'
import { postTo, type PostAnswer } from './post.ts'
import { signWebhook, SIGNATURE_HEADER } from './signature.ts'
import { checkWebhookTarget, WebhookTargetRefused } from './targets.ts'

export interface WebhookOptions {
  bots: BotStore
  log: Logger
  /** Hosts that may be private or loopback (`WEBHOOK_ALLOW_HOSTS`). */
  allowHosts: readonly string[]
  /** Posts the bot's reply in the room (the message service, under the bot's send limit). */
  reply(bot: User, room: Room, body: string, nonce: string): Promise<void>
  timeoutMs?: number
  /** Retries after the first attempt, on network errors and 5xx answers only. */
  retries?: number
  /** The first retry's wait; each next one doubles it. */
  minBackoffMs?: number
  /** Deliveries in flight at once to one bot, on this instance: each bot has a queue of its own. */
  concurrency?: number
  /** One bot's deliveries waiting beyond this are dropped, with a log line: a stuck receiver cannot grow memory without bound. */
  maxQueued?: number
  /** Failed attempts in a row that open a bot's circuit: its deliveries then fail at once, unsent. */
  breakAfter?: number
  /** How long an open circuit stays open before one delivery is tried again (and closes it if it gets through). */
  breakForMs?: number
}

/**
 * Outgoing webhooks. `stored` is called by the instance that stored a
 * message, after the store answered, and returns at once: when the message
 * mentions a bot of the room that has a webhook, or is written in a direct
 * room with one, the message is POSTed to it (signed, with a timeout and
 * bounded retries with backoff), and a 2xx answer with a body becomes the
 * bot's reply. Messages by bots never call webhooks, so two bots cannot
 * answer each other forever.
 *
 * Each bot has its own queue and its own circuit breaker (cockatiel's), so a
 * receiver that never answers delays only its own bot: after `breakAfter`
 * failed attempts in a row its deliveries fail at once, unsent, with a log
 * line, until `breakForMs` has passed and one of them gets through.
 */
export function webhooks({
  bots, log, allowHosts, reply, timeoutMs = 5000, retries = 3, minBackoffMs = 500, concurrency = 2, maxQueued = 100,
  breakAfter = 5, breakForMs = 60_000,
}: WebhookOptions) {
  interface Lane { limit: LimitFunction; breaker: CircuitBreakerPolicy }
  const lanes = new Map<number, Lane>()
  const laneOf = (botId: number) => {
    let lane = lanes.get(botId)
    if (!lane) {
      lane = { limit: pLimit(concurrency), breaker: circuitBreaker(handleAll, { halfOpenAfter: breakForMs, breaker: new ConsecutiveBreaker(breakAfter) }) }
      lanes.set(botId, lane)
    }
    return lane
  }

  const deliver = async (hook: BotHook, room: Room, message: StoredMessage) => {
    const payload = JSON.stringify({
      type: 'message',
      room: { slug: room.slug, name: room.name, visibility: room.visibility },
      message: {
        id: message.id, body: message.body, createdAt: message.createdAt.toISOString(),
        author: { login: message.authorLogin, name: message.authorName },
      },
      bot: { login: hook.bot.login },
    })
    const context = { bot: hook.bot.login, roomId: room.id, messageId: message.id }
    const { breaker } = laneOf(hook.bot.id)
    const answer = await pRetry(async (): Promise<PostAnswer> => {
      // A refused or unresolvable address, a network error, a timeout and a 5xx count against the bot's
      // circuit; a 4xx is an answer. While the circuit is open, nothing is looked up or sent.
      const res = await breaker.execute(async () => {
        // Checked again at every attempt: what the host resolves to may have changed since the bot was made.
        const target = await checkWebhookTarget(hook.url, allowHosts).catch((err: unknown) => {
          throw err instanceof WebhookTargetRefused ? new AbortError(err.message) : err
        })
        const res = await postTo(target, payload, {
          'content-type': 'application/json', 'user-agent': 'rtc-webhook/1', [SIGNATURE_HEADER]: signWebhook(hook.secret, payload),
        }, timeoutMs)
        if (res.status >= 500) throw new Error(`the receiver answered ${res.status}`)
        return res
      }).catch((err: unknown) => {
        throw err instanceof BrokenCircuitError ? new AbortError('its receiver keeps failing (circuit open)') : err
      })
      if (res.status >= 300) throw new AbortError(`the receiver answered ${res.status}`)
      return res
    }, {
      retries, factor: 2, minTimeout: minBackoffMs, randomize: true,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        log.warn({ ...context, attempt: attemptNumber, retriesLeft, reason: reason(error) }, 'webhook attempt failed')
      },
    }).catch((err: unknown) => {
      // The URL itself never enters the log: it may carry a secret in its path or query.
      log.warn({ ...context, reason: reason(err) }, 'webhook not delivered')
      return undefined
    })
    const text = answer && replyText(answer)
    if (!text) return
    await reply(hook.bot, room, text, `wh-${room.id}-${message.id}`)
      .catch((err: unknown) => log.warn({ ...context, reason: reason(err) }, 'webhook reply not posted'))
  }

  return {
    /** Hands the message to the bots it concerns; never waits for them. */
    stored(message: StoredMessage, room: Room, author: User): void {
      if (author.kind === 'bot') return
      const direct = room.visibility === 'direct'
      const logins = mentionedLogins(message.body)
      if (!direct && logins.length === 0) return
      void bots.hooksFor(room.id, author.id, logins, direct).then((hooks) => {
        for (const hook of hooks) {
          const { limit } = laneOf(hook.bot.id)
          if (limit.pendingCount >= maxQueued) {
            log.warn({ bot: hook.bot.login, roomId: room.id, messageId: message.id }, 'webhook dropped: too many waiting')
            continue
          }
          void limit(() => deliver(hook, room, message))
        }
      }, (err: unknown) => log.warn({ roomId: room.id, messageId: message.id, reason: reason(err) }, 'webhooks not looked up'))
    },
  }
}

export type Webhooks = ReturnType<typeof webhooks>

const reason = (err: unknown) => (err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}`.trim() : String(err))

/** A JSON answer's `body` (or `text`), or a plain-text answer: the bot's reply. Anything else says nothing. */
function replyText(answer: PostAnswer): string | undefined {
  if (answer.contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(answer.text) as { body?: unknown; text?: unknown } | null
      const text = parsed?.body ?? parsed?.text
      return typeof text === 'string' && text.trim() ? text : undefined
    } catch {
      return undefined
    }
  }
  if (answer.contentType.startsWith('text/plain')) return answer.text.trim() ? answer.text : undefined
  return undefined
}
