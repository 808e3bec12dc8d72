/** The longest emoji accepted, in UTF-16 code units (a family or a subdivision flag is about 14–25). */
export const MAX_EMOJI_LENGTH = 32

/** One recommended-for-general-interchange emoji: a keycap, a flag, a ZWJ sequence or a single one. */
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v')
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' })

/** The emojis offered in the picker; any other one can be typed. */
export const QUICK_EMOJIS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅'] as const

export type EmojiCheck = { ok: true; emoji: string } | { ok: false; error: string }

/** A reaction is exactly one emoji (one grapheme that Unicode lists as an emoji), nothing else. */
export function checkEmoji(raw: unknown): EmojiCheck {
  const emoji = typeof raw === 'string' ? raw.trim() : ''
  if (emoji === '') return { ok: false, error: 'Choose an emoji to react with.' }
  if (emoji.length > MAX_EMOJI_LENGTH || [...graphemes.segment(emoji)].length !== 1 || !RGI_EMOJI.test(emoji)) {
    return { ok: false, error: 'A reaction is one emoji, like 👍.' }
  }
  return { ok: true, emoji }
}
