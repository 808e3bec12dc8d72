import { describe, expect, it } from 'vitest'
import { SLUG_PATTERN, slugify } from './slug.ts'

describe('slugify', () => {
  it.each([
    ['General', 'general'],
    ['  Café Crème! ', 'cafe-creme'],
    ['<script>alert(1)</script>', 'script-alert-1-script'],
    ['日本語', 'room'],
    ['a'.repeat(100), 'a'.repeat(40)],
  ])('%j becomes %j', (name, slug) => {
    expect(slugify(name)).toBe(slug)
    expect(slugify(name)).toMatch(SLUG_PATTERN)
  })
})
