import iamcal from 'emojibase-data/en/shortcodes/iamcal.json' with { type: 'json' }
import { checkEmoji } from '../messages/reactions.ts'

/**
 * Slack's emoji names (`thumbsup`, `+1`, `tada`, `heart`, `+1::skin-tone-3`) as Unicode. Slack names its emoji
 * after iamcal's emoji-data, which emojibase-data ships as its `iamcal` shortcode set (a hexcode per emoji): so a
 * name means here what it meant in Slack. A workspace's custom emoji (`:partyparrot:`) have no Unicode: they are
 * undefined here (a reaction with one is left out; in text the `:name:` stays as written).
 */
const byName = new Map<string, string>()
for (const [hexcode, names] of Object.entries(iamcal as Record<string, string | string[]>)) {
  for (const name of typeof names === 'string' ? [names] : names) if (!byName.has(name)) byName.set(name, hexcode)
}

/** Skin tones as Slack writes them after a name (`::skin-tone-2` … `::skin-tone-6`): Fitzpatrick modifiers. */
const SKIN_TONES: Record<string, string> = { 'skin-tone-2': '1F3FB', 'skin-tone-3': '1F3FC', 'skin-tone-4': '1F3FD', 'skin-tone-5': '1F3FE', 'skin-tone-6': '1F3FF' }

const fromHexcode = (hexcode: string) => String.fromCodePoint(...hexcode.split('-').map((h) => parseInt(h, 16)))

/**
 * The one emoji a Slack name stands for, as rtc's reactions take it (`checkEmoji`): without a variation selector
 * when the emoji is one without it (👍, the picker's form), with one when it needs it (❤️). Undefined for a name
 * Slack's set does not have.
 */
export function emojiOf(slackName: string): string | undefined {
  const [name, tone] = slackName.split('::')
  const hexcode = byName.get(name ?? '')
  if (!hexcode) return undefined
  const base = fromHexcode(hexcode).replace(/\uFE0F$/, '')
  const modifier = tone && SKIN_TONES[tone] ? fromHexcode(SKIN_TONES[tone]!) : ''
  for (const candidate of [base + modifier, `${base}\uFE0F${modifier}`, base, `${base}\uFE0F`]) {
    const checked = checkEmoji(candidate)
    if (checked.ok) return checked.emoji
  }
  return undefined
}
