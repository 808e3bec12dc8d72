/**
 * Time-ordered 64-bit ids, snowflake style: 41 bits of milliseconds since
 * 2024-01-01, 10 bits of instance number, 12 bits of sequence. Written as
 * decimal strings everywhere outside the id maker.
 */
export const ID_EPOCH_MS = 1_704_067_200_000
const SEQUENCE_BITS = 12n
const INSTANCE_BITS = 10n
const MAX_SEQUENCE = (1n << SEQUENCE_BITS) - 1n

export type IdMaker = () => string

/** Ids from one maker strictly increase, even when the clock steps back. */
export function idMaker(instanceId: number, now: () => number = Date.now): IdMaker {
  if (!Number.isInteger(instanceId) || instanceId < 0 || instanceId >= 1 << Number(INSTANCE_BITS)) {
    throw new RangeError(`instanceId must be an integer from 0 to 1023 (got ${instanceId})`)
  }
  const instance = BigInt(instanceId) << SEQUENCE_BITS
  let lastMs = 0n
  let sequence = 0n
  return () => {
    let ms = BigInt(now() - ID_EPOCH_MS)
    if (ms <= lastMs) {
      ms = lastMs
      sequence += 1n
      // Sequence exhausted within one millisecond: borrow the next one.
      if (sequence > MAX_SEQUENCE) {
        ms += 1n
        sequence = 0n
      }
    } else {
      sequence = 0n
    }
    lastMs = ms
    return ((ms << (SEQUENCE_BITS + INSTANCE_BITS)) | instance | sequence).toString()
  }
}

/** When an id was made. */
export function idTime(id: string): Date {
  return new Date(Number(BigInt(id) >> (SEQUENCE_BITS + INSTANCE_BITS)) + ID_EPOCH_MS)
}

/** Ids are decimal digits only; anything else is not an id. */
export const ID_PATTERN = /^\d{1,19}$/

export const isId = (value: string | undefined): value is string =>
  value !== undefined && ID_PATTERN.test(value) && BigInt(value) < 1n << 63n
