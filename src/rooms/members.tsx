import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import type { Member, Presence, RoomStore } from '../store/ports.ts'
import { MemberList } from '../views/Members.tsx'
import { requireMember } from '../http/roomAccess.ts'

/** At most this many members are offered for one prefix: the list stays small and the answer bounded. */
export const MENTION_SUGGESTIONS = 8
/** A prefix longer than any GitHub login matches nobody. */
const MAX_PREFIX = 39

/**
 * The members whose login starts with `prefix`, or a word of whose name does
 * (case-insensitive), logins first, then alphabetically; never `me`.
 */
export function matchMembers(members: readonly Member[], prefix: string, me: number): Member[] {
  const p = prefix.toLowerCase()
  const byLogin = (m: Member) => m.login.toLowerCase().startsWith(p)
  const byName = (m: Member) => (m.name ?? '').toLowerCase().split(/\s+/).some((w) => w.startsWith(p))
  return members
    .filter((m) => m.id !== me && (byLogin(m) || byName(m)))
    .sort((a, b) => Number(byLogin(b)) - Number(byLogin(a)) || a.login.localeCompare(b.login))
    .slice(0, MENTION_SUGGESTIONS)
}

/** The options of the composer's @mention list: each says the name and the login it inserts. */
export function MentionOptions({ members }: { members: readonly Member[] }) {
  return <>{members.map((m) => (
    <li role="option" id={`mention-${m.login}`} data-login={m.login} aria-selected="false">
      <bdi class="mention-name">{m.name ?? m.login}</bdi> <span class="muted">@{m.login}</span>
    </li>
  ))}</>
}

/**
 * Fragments of a room's members, for its members only and without a rate
 * limit, as each answer is bounded by the room's member list:
 * - `GET /rooms/:room/mentions?q=prefix`: the members matching a prefix, as
 *   the options of the composer's list (js/mentions.js), 8 at most;
 * - `GET /rooms/:room/members`: the member list with who is online, which a
 *   page fetches after its socket comes back (js/compose.js): what changed
 *   while it was away was pushed to the others only.
 */
export function memberRoutes({ rooms, presence }: { rooms: RoomStore; presence: Presence }) {
  const app = new Hono<AppEnv>()
  app.get('/rooms/:room/members', requireMember, async (c) => {
    const members = await rooms.listMembers(c.get('room').id)
    const online = new Set(await presence.online(members.map((m) => m.id)))
    // The reader asks from a page whose socket is open: they are here, whatever the last mark says.
    online.add(signedInUser(c.get('user')).id)
    return c.html(<MemberList members={members} online={online} />)
  })
  app.get('/rooms/:room/mentions', requireMember, async (c) => {
    const q = (c.req.query('q') ?? '').replace(/^@/, '')
    if (q.length > MAX_PREFIX) throw new HTTPException(400, { message: `q is at most ${MAX_PREFIX} characters.` })
    const members = await rooms.listMembers(c.get('room').id)
    return c.html(<MentionOptions members={matchMembers(members, q, signedInUser(c.get('user')).id)} />)
  })
  return app
}
