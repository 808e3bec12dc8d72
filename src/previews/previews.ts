import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LRUCache } from 'lru-cache'
import pLimit from 'p-limit'
import type { Logger } from '../log.ts'
import { imageThreadsInBackground, loadSharp } from '../lib/images.ts'
import { firstLink } from '../messages/markdown.ts'
import type { MessageService } from '../messages/service.ts'
import type { LinkPreview, Room, StoredMessage } from '../store/ports.ts'
import { guardedGet, type GuardedGetOptions } from './fetch.ts'
import { cardText, decodePage, readMetadata, type PageMetadata } from './metadata.ts'

type Card = Omit<LinkPreview, 'url'>
// Where sharp cannot load (lib/images.ts), cards come without images.

export const PAGE_BYTES = 1024 * 1024
export const IMAGE_BYTES = 5 * 1024 * 1024
export const FETCH_TIMEOUT_MS = 5000
/** A card's image: at most this wide (and high), WebP, metadata dropped. */
const IMAGE_SIZE = 400
const isPage = (type: string) => type === 'text/html' || type === 'application/xhtml+xml'
/** Raster types only: an SVG is a document (scripts, external references), never decoded here. */
const isImage = (type: string) => ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif'].includes(type)

export interface LinkPreviewsOptions {
  chat: Pick<MessageService, 'attachPreview'>
  /** Where card images live (`DATA_DIR/previews`), named by the SHA-256 of their WebP bytes. */
  dir: string
  log: Logger
  /** Test-only: pages and images on loopback may be fetched (LINK_PREVIEW_ALLOW_LOOPBACK). */
  allowLoopback?: boolean
  /** An image with more pixels gets no card image (UPLOAD_PREVIEW_MAX_PIXELS). */
  maxPixels?: number
  /** Card jobs at once on this instance (they wait on the network and the store; images are made one at a time whatever this says). */
  concurrency?: number
  /** Jobs waiting, at most: a new one past that drops the oldest waiting one (logged and counted: that message gets no card). */
  maxQueued?: number
  /** With this many jobs waiting, a card comes without its image unless that image was made before (the page is cheap, the image is not). */
  leanQueued?: number
  /** A job that waited longer than this (ms) also comes without an image not made before: the queue is not keeping up. */
  budgetMs?: number
  cacheSize?: number
  cacheTtlMs?: number
  timeoutMs?: number
}

/** What the cards of an instance came to since it started (`rtc_link_preview_*` metrics). */
export interface PreviewCounts {
  /** Cards attached, with or without an image. */
  cards: number
  /** Of those, cards whose image was left out because the queue was long or late. */
  withoutImage: number
  /** Jobs dropped from a full queue (their message gets no card). */
  dropped: number
  /** Images decoded and re-encoded; and images taken from an earlier encoding (same URL, or same bytes under another URL). */
  imagesEncoded: number
  imagesReused: number
}

interface Job { room: Room; id: string; url: string | undefined; queuedAt: number }

const FAILED_TTL_MS = 5 * 60_000

/**
 * Link previews: for the first link of a new message (see `firstLink`), the
 * page is fetched after the send was answered, in a bounded queue per
 * instance, and its card attached to the message as a change of its own (so
 * live readers and replay get it like an edit). A page's metadata is cached
 * per page URL, a card image per image URL and, content-addressed, per the
 * SHA-256 of the image's bytes: one image shared by many pages (a site's
 * default picture, or the same file under many URLs) is decoded and
 * re-encoded once. Images are made one at a time, in libvips threads at a
 * low priority; while the queue is long (`leanQueued`) or a job waited past
 * `budgetMs`, a card whose image is not made yet comes without it rather
 * than late or not at all; past `maxQueued` the oldest job is dropped (a log
 * line and a count). The image is re-encoded to a small WebP and served from
 * rtc's own origin, so readers' browsers never ask the linked site for
 * anything. Costs nothing on the send's path but a Markdown parse of the body.
 */
export function linkPreviews(options: LinkPreviewsOptions) {
  const {
    chat, dir, log, allowLoopback = false, maxPixels = 25_000_000, concurrency = 4, maxQueued = 1000, leanQueued = 50, budgetMs = 2000,
    timeoutMs = FETCH_TIMEOUT_MS,
  } = options
  const fetching = { allowRanges: allowLoopback ? ['loopback'] : [], timeoutMs } satisfies Partial<GuardedGetOptions>
  const pathOf = (sha256: string) => join(dir, sha256.slice(0, 2), `${sha256}.webp`)
  const counts: PreviewCounts = { cards: 0, withoutImage: 0, dropped: 0, imagesEncoded: 0, imagesReused: 0 }
  const cacheSize = options.cacheSize ?? 500
  const cacheTtlMs = options.cacheTtlMs ?? 3_600_000

  const storeImage = async (webp: Uint8Array) => {
    const sha256 = createHash('sha256').update(webp).digest('hex')
    const path = pathOf(sha256)
    if (await stat(path).then(() => true, () => false)) return sha256
    const tmp = join(dir, `.${randomUUID()}`)
    await mkdir(join(path, '..'), { recursive: true })
    try {
      await writeFile(tmp, webp)
      await rename(tmp, path)
    } finally {
      await rm(tmp, { force: true })
    }
    return sha256
  }

  /** One decode and encode at a time on this instance, however many jobs run: it is the costly part. */
  const encoding = pLimit(1)
  /** The WebP made from an image's bytes, by the SHA-256 of those bytes (the WebP files are never removed). */
  const encoded = new LRUCache<string, string>({ max: cacheSize * 4 })
  const encode = async (bytes: Uint8Array, sharp: NonNullable<Awaited<ReturnType<typeof loadSharp>>>) => {
    const source = createHash('sha256').update(bytes).digest('hex')
    // Looked up in turn: the same bytes arriving twice at once are encoded by the first and taken by the second.
    return encoding(async () => {
      const known = encoded.get(source)
      if (known) {
        counts.imagesReused++
        return known
      }
      const webp = await sharp(bytes, { animated: false, limitInputPixels: maxPixels })
        .rotate().resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75, effort: 2 }).toBuffer()
        .finally(imageThreadsInBackground)
      counts.imagesEncoded++
      const sha256 = await storeImage(new Uint8Array(webp))
      encoded.set(source, sha256)
      return sha256
    })
  }

  /** A page's image as a small WebP on disk, by image URL: `sha256` undefined when it cannot be had (too big, wrong type, not decodable). */
  const images = new LRUCache<string, { sha256?: string }>({
    max: cacheSize,
    ttl: cacheTtlMs,
    fetchMethod: async (url, _stale, { options: entry }) => {
      try {
        const sharp = await loadSharp()
        if (!sharp) return {}
        const { bytes } = await guardedGet(url, { ...fetching, accept: isImage, maxBytes: IMAGE_BYTES, cut: false })
        return { sha256: await encode(bytes, sharp) }
      } catch (err) {
        log.debug({ err, url }, 'link preview image not taken')
        entry.ttl = FAILED_TTL_MS
        return {}
      }
    },
  })

  /** What a page says of itself, by page URL; `meta` undefined when there is no card to make (no page, no title, refused). */
  const pages = new LRUCache<string, { meta?: PageMetadata }>({
    max: cacheSize,
    ttl: cacheTtlMs,
    // One fetch per URL however many messages link it at once (lru-cache joins them).
    fetchMethod: async (url, _stale, { options: entry }) => {
      try {
        const page = await guardedGet(url, { ...fetching, accept: isPage, maxBytes: PAGE_BYTES, cut: true })
        const meta = readMetadata(decodePage(page.bytes, page.contentType), page.url)
        return meta.title ? { meta } : {}
      } catch (err) {
        log.debug({ err, url }, 'no link preview')
        entry.ttl = FAILED_TTL_MS
        return {}
      }
    },
  })

  /** The card for a URL, or undefined; `lean`: the image only if it was made before. */
  const makeCard = async (url: string, lean: boolean): Promise<Card | undefined> => {
    const meta = (await pages.fetch(url))?.meta
    if (!meta?.title) return undefined
    let image: string | undefined
    if (meta.image && lean) {
      const made = images.get(meta.image)
      if (made) image = made.sha256
      else counts.withoutImage++
    } else if (meta.image) {
      image = (await images.fetch(meta.image))?.sha256
    }
    return {
      site: meta.site ?? cardText(new URL(url).hostname, 80)!, title: meta.title,
      ...(meta.description ? { description: meta.description } : {}), ...(image ? { image } : {}),
    }
  }

  const waiting: Job[] = []
  let running = 0
  const run = async ({ room, id, url, queuedAt }: Job) => {
    const lean = waiting.length >= leanQueued || performance.now() - queuedAt > budgetMs
    const card = url === undefined ? undefined : await makeCard(url, lean)
    const changed = await chat.attachPreview(room, id, url, card)
    if (changed?.preview) counts.cards++
  }
  const pump = () => {
    while (running < concurrency && waiting.length > 0) {
      const job = waiting.shift()!
      running++
      void run(job)
        .catch((err: unknown) => log.error({ err, roomId: job.room.id, messageId: job.id }, 'link preview not attached'))
        .finally(() => {
          running--
          pump()
        })
    }
  }
  /** Makes (or takes from the cache) the card of `url` and attaches it; no `url`: takes the card off. */
  const enqueue = (room: Room, id: string, url: string | undefined) => {
    if (waiting.length >= maxQueued) {
      // The oldest card is the least use now; a card's removal (an edit took the link out) is kept if there is another to drop.
      const at = Math.max(0, waiting.findIndex((job) => job.url !== undefined))
      const [dropped] = waiting.splice(at, 1)
      counts.dropped++
      log.warn({ roomId: dropped!.room.id, messageId: dropped!.id, waiting: waiting.length }, 'link preview queue full; the oldest waiting message gets no card')
    }
    waiting.push({ room, id, url, queuedAt: performance.now() })
    pump()
  }

  return {
    /** A new message (a stored-message listener): its first link, if any, gets a card. */
    stored({ message, room }: { message: StoredMessage; room: Room }) {
      const url = firstLink(message.body)
      if (url) enqueue(room, message.id, url)
    },
    /** An edit that changed the first link gets the new link's card, or loses its card when the link went. */
    edited(before: StoredMessage, after: StoredMessage, room: Room) {
      const url = firstLink(after.body)
      if (url !== firstLink(before.body)) enqueue(room, after.id, url)
    },
    /** A card image's WebP bytes; undefined when missing. */
    readImage: async (sha256: string) => (/^[0-9a-f]{64}$/.test(sha256) ? readFile(pathOf(sha256)).then((b) => new Uint8Array(b), () => undefined) : undefined),
    /** The counts so far, and how many jobs wait now. */
    counts: (): Readonly<PreviewCounts> & { waiting: number } => ({ ...counts, waiting: waiting.length }),
  }
}

export type LinkPreviews = ReturnType<typeof linkPreviews>
