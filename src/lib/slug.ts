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

/**
 * The slug to show beside a room's name where the name alone may not tell it
 * apart: two rooms called "General" get "general" and "general-2", so a slug
 * that is not the name's own marks the second. Needs no other room to decide,
 * so a live update of one sidebar entry shows it too. Never for direct rooms.
 */
export const telltaleSlug = (room: { name: string; slug: string; visibility: string }) =>
  room.visibility !== 'direct' && room.slug !== slugify(room.name) ? room.slug : undefined
