import { ID_EPOCH_MS } from '../../chat/ids.ts'

/**
 * A room's messages are partitioned by (room, time bucket). Ten days per
 * bucket, as Discord chose: partitions stay far below ~100 MB even for a busy
 * room of a small group (5,000 messages a day at ~300 bytes is 1.5 MB a day,
 * 15 MB a bucket), and a quiet room's history is a handful of partitions.
 * Walking back through empty buckets stops at the room's first bucket,
 * recorded with its first message, so a quiet room never scans to the epoch.
 */
export const BUCKET_MS = 10 * 24 * 60 * 60 * 1000

/** The bucket a message id (or rev) falls in: ids carry their milliseconds. */
export function bucketOf(id: string | bigint): number {
  const ms = Number(BigInt(id) >> 22n) + ID_EPOCH_MS
  return Math.floor(ms / BUCKET_MS)
}
