import type { OidcProfile } from '../store/ports.ts'

/** The longest login, as on GitHub; the alphabet is GitHub's too (letters, digits, single inner hyphens). */
const LOGIN_LENGTH = 39
const NAME_LENGTH = 100
const AVATAR_LENGTH = 2048

const claim = (claims: Record<string, unknown>, name: string) => {
  const value = claims[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** `José Pérez` → `Jose-Perez`, `jo.doe@example.org` → `jo-doe`; empty when nothing of it is a letter or digit. */
export function loginFrom(text: string): string {
  const local = text.includes('@') ? text.slice(0, text.indexOf('@')) : text
  return local.normalize('NFKD').replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+/, '').slice(0, LOGIN_LENGTH).replace(/-+$/, '')
}

/** An https address, else none: the page never loads a picture over plain http or from another scheme. */
function httpsUrl(text: string | undefined): string | null {
  if (!text || text.length > AVATAR_LENGTH) return null
  try {
    return new URL(text).protocol === 'https:' ? new URL(text).href : null
  } catch {
    return null
  }
}

/**
 * The user a verified ID token (and userinfo) describes: keyed by issuer and subject; the login wanted is
 * `preferred_username`, else the name, else the e-mail's local part, in the login alphabet (`user` when none
 * has a letter or digit to keep); the display name is `name`; the picture only over https.
 */
export function oidcProfile(claims: Record<string, unknown>): OidcProfile {
  const issuer = claim(claims, 'iss')
  const subject = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined
  if (!issuer || !subject) throw new Error('an ID token without iss or sub')
  const login = ['preferred_username', 'name', 'email'].map((n) => loginFrom(claim(claims, n) ?? '')).find(Boolean) ?? 'user'
  return { issuer, subject, login, name: claim(claims, 'name')?.slice(0, NAME_LENGTH) ?? null, avatarUrl: httpsUrl(claim(claims, 'picture')) }
}
