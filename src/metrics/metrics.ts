import client from 'prom-client'

/** Seconds; from a fast local round trip to a stalled backend. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]
/** Send durations kept for the periodic stats line's p99, at most. */
const WINDOW = 10_000

/** What the live side counts by itself (see Hub): read when scraped, not pushed per event. */
export interface LiveCounts {
  readonly rooms: number
  readonly subscribers: number
  readonly delivered: number
  readonly slowClosed: number
}

/** Link cards (see previews/previews.ts): read when scraped. */
export interface CardCounts {
  readonly cards: number
  readonly withoutImage: number
  readonly dropped: number
  readonly imagesEncoded: number
  readonly imagesReused: number
  readonly waiting: number
}

export interface CacheCounts {
  readonly hits: number
  readonly misses: number
}

/**
 * The chat's own Prometheus metrics, beside the default process ones
 * (event-loop lag, memory, CPU, handles). Hot paths only bump plain numbers;
 * the live side's counts are read at scrape time.
 */
export function createMetrics() {
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const sendSeconds = new client.Histogram({ name: 'rtc_send_seconds', help: 'Sends, from the request to its answer (stored, woken).', buckets: BUCKETS, registers })
  const storeSeconds = new client.Histogram({ name: 'rtc_store_seconds', help: 'Calls to each backing store.', labelNames: ['store', 'op'], buckets: BUCKETS, registers })
  const busResyncs = new client.Counter({ name: 'rtc_bus_resyncs_total', help: 'Times the bus came back after losing Redis and every live room was read again.', registers })
  const rateLimited = new client.Counter({ name: 'rtc_rate_limited_total', help: 'Requests and sockets refused by a rate limit or cap.', labelNames: ['limit'], registers })
  let live: () => LiveCounts = () => ({ rooms: 0, subscribers: 0, delivered: 0, slowClosed: 0 })
  let cache: () => CacheCounts = () => ({ hits: 0, misses: 0 })
  let cards: () => CardCounts = () => ({ cards: 0, withoutImage: 0, dropped: 0, imagesEncoded: 0, imagesReused: 0, waiting: 0 })
  /** A counter whose total lives elsewhere: set from it at scrape time. */
  const mirrored = (name: string, help: string, read: () => number) => new client.Counter({
    name, help, registers, collect() { this.reset(); this.inc(read()) },
  })
  new client.Gauge({ name: 'rtc_open_sockets', help: 'Open WebSocket subscriptions on this instance.', registers, collect() { this.set(live().subscribers) } })
  new client.Gauge({ name: 'rtc_live_rooms', help: 'Rooms with at least one socket on this instance.', registers, collect() { this.set(live().rooms) } })
  mirrored('rtc_deliveries_total', 'Messages handed to sockets (one per reader), live or replayed on connecting.', () => live().delivered)
  mirrored('rtc_slow_consumer_closes_total', 'Sockets closed with 1013 for falling too far behind.', () => live().slowClosed)
  mirrored('rtc_cache_hits_total', 'Cache lookups answered by the cache.', () => cache().hits)
  mirrored('rtc_cache_misses_total', 'Cache lookups answered by the store.', () => cache().misses)
  mirrored('rtc_link_preview_cards_total', 'Link cards attached to messages, with or without an image.', () => cards().cards)
  mirrored('rtc_link_preview_without_image_total', 'Link cards made without their image because the card queue was long or late.', () => cards().withoutImage)
  mirrored('rtc_link_preview_dropped_total', 'Messages whose card was dropped from a full card queue.', () => cards().dropped)
  mirrored('rtc_link_preview_images_encoded_total', 'Card images decoded and re-encoded (others came from an earlier encoding of the same URL or bytes).', () => cards().imagesEncoded)
  new client.Gauge({ name: 'rtc_link_preview_waiting', help: 'Link card jobs waiting on this instance.', registers, collect() { this.set(cards().waiting) } })

  const recent: number[] = []
  let previous = { delivered: 0, hits: 0, misses: 0, at: performance.now() }

  return {
    registry,
    busResyncs,
    rateLimited,

    /** Where the live side's and the cache's counts are read from. */
    watch(sources: { live?: () => LiveCounts; cache?: () => CacheCounts; cards?: () => CardCounts }) {
      if (sources.live) live = sources.live
      if (sources.cache) cache = sources.cache
      if (sources.cards) cards = sources.cards
    },

    observeSend(seconds: number) {
      sendSeconds.observe(seconds)
      if (recent.length < WINDOW) recent.push(seconds)
    },

    /** Wraps every method of a store so each call that returns a promise is timed as `store`/`method`. */
    timed<T extends object>(target: T, store: string): T {
      // One wrapper per method, made on first use: every store call passes through here.
      const wrappers = new Map<string, (...args: unknown[]) => unknown>()
      return new Proxy(target, {
        get(object, prop, receiver) {
          const value = Reflect.get(object, prop, receiver)
          if (typeof value !== 'function' || typeof prop !== 'string') return value
          let wrapper = wrappers.get(prop)
          if (!wrapper) {
            const timer = storeSeconds.labels(store, prop)
            wrapper = (...args: unknown[]) => {
              const started = performance.now()
              const result = value.apply(object, args)
              if (!(result instanceof Promise)) return result
              return result.finally(() => timer.observe((performance.now() - started) / 1000))
            }
            wrappers.set(prop, wrapper)
          }
          return wrapper
        },
      })
    },

    /** The figures of the periodic stats line since the last call. */
    takeStats() {
      const now = { ...live(), ...cache(), at: performance.now() }
      const seconds = Math.max((now.at - previous.at) / 1000, 0.001)
      const lookups = now.hits - previous.hits + now.misses - previous.misses
      const sorted = recent.splice(0).sort((a, b) => a - b)
      const stats = {
        sockets: now.subscribers,
        rooms: now.rooms,
        deliveriesPerSecond: Math.round((now.delivered - previous.delivered) / seconds),
        sends: sorted.length,
        sendP99Ms: sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! * 10_000) / 10 : null,
        cacheHitRate: lookups ? Math.round(((now.hits - previous.hits) / lookups) * 1000) / 1000 : null,
        slowConsumerCloses: now.slowClosed,
      }
      previous = { delivered: now.delivered, hits: now.hits, misses: now.misses, at: now.at }
      return stats
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
