import { emptyFileParts, multipartBody, MULTIPART_TYPE } from './multipart.ts'

/**
 * The attacks `npm run flood` and test/flood.e2e.test.ts run from a process
 * of their own (test/support/attacker.ts): each is one request, sent again
 * and again by several loops, and says how it was answered. Add one here
 * and it can run beside the others.
 */

/** Whom an attack is aimed at: the server, the attacker's session, their room. */
export interface AttackTarget {
  url: string
  cookie: string
  origin: string
  slug: string
}

/** `refused` is the refusal the attack must meet (a 429 with Retry-After for spam, the multipart limits' 413/422). */
export type Outcome = 'accepted' | 'refused' | 'other'
export type Tally = Record<Outcome, number>

/** Makes an attack's request once per process (a 9.5 MB body is built once), answering one send. */
export type Attack = (target: AttackTarget) => () => Promise<Outcome>

export const ATTACKS = {
  /** One account sending as fast as answers come (issue 11). */
  spam: ({ url, cookie, origin, slug }) => async () => {
    const res = await fetch(`${url}/rooms/${slug}/messages`, {
      method: 'POST', redirect: 'manual', headers: { cookie, origin, 'hx-request': 'true' },
      body: new URLSearchParams({ body: 'spam', nonce: crypto.randomUUID() }),
    })
    await res.arrayBuffer()
    if (res.status === 200) return 'accepted'
    return res.status === 429 && Number(res.headers.get('retry-after')) > 0 ? 'refused' : 'other'
  },
  /** A send of 140,000 empty file parts, 9.5 MB with its Content-Length, under UPLOAD_MAX_BYTES (issue 24, item 1). */
  multipart: ({ url, cookie, origin, slug }) => {
    const body = multipartBody(emptyFileParts())
    return async () => {
      const res = await fetch(`${url}/rooms/${slug}/messages`, {
        method: 'POST', redirect: 'manual', headers: { cookie, origin, 'hx-request': 'true', 'content-type': MULTIPART_TYPE }, body,
      })
      await res.arrayBuffer()
      if (res.status === 200) return 'accepted'
      return res.status === 422 ? 'refused' : 'other'
    }
  },
} satisfies Record<string, Attack>

export type AttackName = keyof typeof ATTACKS
