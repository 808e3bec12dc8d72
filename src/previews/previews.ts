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
import { cardText, decodePage, readMetadata } from './metadata.ts'

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
  /** Pages fetched at once by this instance, and how many more may wait; past that a link gets no card. */
  concurrency?: number
  maxQueued?: number
  cacheSize?: number
  cacheTtlMs?: number
  timeoutMs?: number
}

/**
 * Link previews: for the first link of a new message (see `firstLink`), the
 * page is fetched after the send was answered, in a small queue per
 * instance, and its card attached to the message as a change of its own
 * (so live readers and replay get it like an edit). Each URL is fetched once
 * per `cacheTtlMs` (failures for five minutes) by this instance; the image is
 * re-encoded to a small WebP and served from rtc's own origin, so readers'
 * browsers never ask the linked site for anything. Costs nothing on the
 * send's path but a Markdown parse of the body.
 */
export function linkPreviews(options: LinkPreviewsOptions) {
  const { chat, dir, log, allowLoopback = false, maxPixels = 25_000_000, concurrency = 2, maxQueued = 200, timeoutMs = FETCH_TIMEOUT_MS } = options
  const fetching = { allowRanges: allowLoopback ? ['loopback'] : [], timeoutMs } satisfies Partial<GuardedGetOptions>
  const pathOf = (sha256: string) => join(dir, sha256.slice(0, 2), `${sha256}.webp`)

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

  /** The page's image as a small WebP on disk; undefined when it cannot be had (too big, wrong type, not decodable). */
  const cardImage = async (url: string) => {
    const sharp = await loadSharp()
    if (!sharp) return undefined
    try {
      const { bytes } = await guardedGet(url, { ...fetching, accept: isImage, maxBytes: IMAGE_BYTES, cut: false })
      const webp = await sharp(bytes, { animated: false, limitInputPixels: maxPixels })
        .rotate().resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75, effort: 2 }).toBuffer()
        .finally(imageThreadsInBackground)
      return await storeImage(new Uint8Array(webp))
    } catch (err) {
      log.debug({ err, url }, 'link preview image not taken')
      return undefined
    }
  }

  /** The card for a URL, or undefined (no page, no title, refused). */
  const makeCard = async (url: string): Promise<Card | undefined> => {
    const page = await guardedGet(url, { ...fetching, accept: isPage, maxBytes: PAGE_BYTES, cut: true })
    const meta = readMetadata(decodePage(page.bytes, page.contentType), page.url)
    if (!meta.title) return undefined
    const image = meta.image && await cardImage(meta.image)
    return {
      site: meta.site ?? cardText(new URL(url).hostname, 80)!, title: meta.title,
      ...(meta.description ? { description: meta.description } : {}), ...(image ? { image } : {}),
    }
  }

  const cache = new LRUCache<string, { card?: Card }>({
    max: options.cacheSize ?? 500,
    ttl: options.cacheTtlMs ?? 3_600_000,
    // One fetch per URL however many messages link it at once (lru-cache joins them).
    fetchMethod: async (url, _stale, { options: entry }) => {
      try {
        const card = await makeCard(url)
        return card ? { card } : {}
      } catch (err) {
        log.debug({ err, url }, 'no link preview')
        entry.ttl = 5 * 60_000
        return {}
      }
    },
  })

  const queue = pLimit(concurrency)
  /** Makes (or takes from the cache) the card of `url` and attaches it; no `url`: takes the card off. */
  const enqueue = (room: Room, id: string, url: string | undefined) => {
    if (queue.pendingCount >= maxQueued) {
      log.warn({ roomId: room.id, messageId: id }, 'link preview queue full; this message gets no card')
      return
    }
    void queue(async () => {
      const card = url === undefined ? undefined : (await cache.fetch(url))?.card
      await chat.attachPreview(room, id, url, card)
    }).catch((err: unknown) => log.error({ err, roomId: room.id, messageId: id }, 'link preview not attached'))
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
  }
}

export type LinkPreviews = ReturnType<typeof linkPreviews>
