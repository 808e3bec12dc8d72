import { describe, expect, it } from 'vitest'
import type { Member } from '../store/ports.ts'
import { html } from '../views/Message.tsx'
import { MENTION_SUGGESTIONS, MentionOptions, matchMembers } from './members.tsx'

const member = (id: number, login: string, name: string | null = null): Member => ({ id, login, name, avatarUrl: null, lastSeenAt: null })

describe('the members an @mention suggests', () => {
  const members = [member(1, 'ann'), member(2, 'bob', 'Robert Annan'), member(3, 'annika', 'Annika Berg'), member(4, 'carl', 'Carl')]

  it('matches a login prefix and the start of any word of a name, logins first, never the asker', () => {
    expect(matchMembers(members, 'ann', 4).map((m) => m.login)).toEqual(['ann', 'annika', 'bob'])
    expect(matchMembers(members, 'ANN', 1).map((m) => m.login)).toEqual(['annika', 'bob'])
    expect(matchMembers(members, 'berg', 1).map((m) => m.login)).toEqual(['annika'])
    expect(matchMembers(members, 'obert', 1)).toEqual([])
  })

  it(`offers at most ${MENTION_SUGGESTIONS}, everyone for an empty prefix`, () => {
    const many = Array.from({ length: 30 }, (_, i) => member(i + 10, `user${String(i).padStart(2, '0')}`))
    expect(matchMembers(many, '', 1)).toHaveLength(MENTION_SUGGESTIONS)
    expect(matchMembers(members, '', 4).map((m) => m.login)).toEqual(['ann', 'annika', 'bob'])
  })

  it('renders options that name the member and carry the login, escaped', () => {
    const out = html(MentionOptions({ members: [member(5, 'eve', '<b>Eve</b>')] }))
    expect(out).toContain('role="option"')
    expect(out).toContain('id="mention-eve"')
    expect(out).toContain('data-login="eve"')
    expect(out).toContain('&lt;b&gt;Eve&lt;/b&gt;')
  })
})
