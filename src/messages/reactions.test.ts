import { describe, expect, it } from 'vitest'
import { checkEmoji } from './reactions.ts'

describe('a reaction', () => {
  it.each(['👍', '❤️', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '1️⃣', ' 🎉 '])('accepts the one emoji %j', (emoji) => {
    expect(checkEmoji(emoji)).toEqual({ ok: true, emoji: emoji.trim() })
  })

  it.each(['', 'a', '1', '👍👍', '👍a', '<b>', ':+1:', '\u200d', '❤', '👍'.repeat(20), 42, undefined])('refuses %j with a clear reason', (raw) => {
    const checked = checkEmoji(raw)
    expect(checked.ok).toBe(false)
    if (!checked.ok) expect(checked.error).toMatch(/emoji/)
  })
})
