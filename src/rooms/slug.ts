const MAX_SLUG = 40

/** A URL-safe slug from a room name: lowercase ASCII letters, digits and dashes only. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG)
    .replace(/^-+|-+$/g, '')
  return slug || 'room'
}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,60}$/
