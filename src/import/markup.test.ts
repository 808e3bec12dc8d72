import { describe, expect, it } from 'vitest'
import { emojiOf } from './emoji.ts'
import { slackToMarkdown } from './markup.ts'

const names = {
  login: (id: string) => ({ U1: 'ann', U2: 'bob-smith' } as Record<string, string>)[id],
  channel: (id: string) => ({ C1: 'general' } as Record<string, string>)[id],
}
const md = (text: string) => slackToMarkdown(text, names)

describe('Slack markup as rtc Markdown', () => {
  it('turns mentions into @logins, keeping a label or the id for someone unknown', () => {
    expect(md('hi <@U1> and <@U2|bob>')).toBe('hi @ann and @bob-smith')
    expect(md('ask <@U9|zed> or <@U8>')).toBe('ask @zed or @U8')
  })

  it('turns channels into #names, from the label or the export', () => {
    expect(md('see <#C1> and <#C7|random>')).toBe('see #general and #random')
  })

  it('turns links into Markdown links, bare ones into their URL, unescaping their entities', () => {
    expect(md('<https://example.org/?a=1&amp;b=2|the [best] site>')).toBe('[the \\[best\\] site](https://example.org/?a=1&b=2)')
    expect(md('<https://example.org/x_(y)>')).toBe('https://example.org/x_(y)')
    expect(md('<mailto:ann@example.org|ann@example.org>')).toBe('mailto:ann@example.org')
    expect(md('<javascript:alert(1)|click>')).toBe('click')
  })

  it('turns special mentions, user groups and dates into text', () => {
    expect(md('<!here> <!channel> <!everyone>')).toBe('@here @channel @everyone')
    expect(md('<!subteam^S1|@design> on <!date^1392734382^{date}|Feb 18, 2014>')).toBe('@design on Feb 18, 2014')
  })

  it('unescapes &lt; &gt; &amp; once, so text that looked like markup stays text', () => {
    expect(md('a &lt;b&gt; &amp;amp; c')).toBe('a <b> &amp; c')
  })

  it('converts *bold* and ~strike~ but nothing inside code', () => {
    expect(md('*yes* and ~no~, not a*b*c')).toBe('**yes** and ~~no~~, not a*b*c')
    expect(md('`*x* <@U1> &lt;` and ```\n*y* :tada:\n```')).toBe('`*x* <@U1> <` and ```\n*y* :tada:\n```')
  })

  it('turns Slack emoji names into emoji, keeping custom ones as written', () => {
    expect(md('ship it :tada: :+1::skin-tone-3: :partyparrot:')).toBe('ship it 🎉 👍🏼 :partyparrot:')
  })
})

describe('Slack emoji names', () => {
  it('are the emoji the reaction picker offers', () => {
    expect(['+1', 'thumbsup', 'heart', 'joy', 'tada', 'open_mouth', 'cry', 'eyes', 'white_check_mark'].map(emojiOf))
      .toEqual(['👍', '👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅'])
  })

  it('are undefined for custom emoji', () => {
    expect(emojiOf('partyparrot')).toBeUndefined()
    expect(emojiOf('')).toBeUndefined()
  })
})
