/** A message body is 1 to 4000 characters (code points) after trimming. */
export const MAX_BODY_CHARS = 4000
const NONCE = /^[A-Za-z0-9_-]{8,64}$/

/** No stored text may hold U+0000 (PostgreSQL's text refuses it): said plainly wherever text comes in. */
export const NUL_REFUSAL = 'Text cannot contain the NUL character (U+0000).'

export type BodyCheck = { ok: true; body: string } | { ok: false; error: string }

export function checkBody(raw: unknown): BodyCheck {
  const body = typeof raw === 'string' ? raw.replace(/\r\n?/g, '\n').trim() : ''
  if (body === '') return { ok: false, error: 'Write something before sending.' }
  if (body.includes('\0')) return { ok: false, error: NUL_REFUSAL }
  const length = [...body].length
  if (length > MAX_BODY_CHARS) {
    return { ok: false, error: `A message can be at most ${MAX_BODY_CHARS} characters; this one has ${length}.` }
  }
  return { ok: true, body }
}

/** The client's nonce when it is well formed; otherwise a fresh one (the send is then not retry-safe). */
export function nonceFrom(raw: unknown): string {
  return typeof raw === 'string' && NONCE.test(raw) ? raw : crypto.randomUUID()
}
