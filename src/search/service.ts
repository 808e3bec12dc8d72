import type { MessageSearch, Room, RoomStore, SearchCursor, SearchHit, User, UserStore } from '../store/ports.ts'
import { roomAndMembership } from '../http/roomAccess.ts'
import { parseQuery } from './query.ts'
import { normalizeWord } from '../lib/words.ts'

export const RESULTS_PER_PAGE = 20
const LOGIN = /^[A-Za-z0-9-]{1,39}$/
const CURSOR = /^(\d{1,15})-(\d{1,19})-(\d{1,19})$/

/** The `before=` of the next page: the last result's time, room and id, so it works across rooms. */
export const cursorOf = (m: SearchCursor) => `${m.createdAt.getTime()}-${m.roomId}-${m.id}`

export function parseCursor(raw: string): SearchCursor | undefined {
  const m = CURSOR.exec(raw)
  return m ? { createdAt: new Date(Number(m[1])), roomId: m[2]!, id: m[3]! } : undefined
}

export interface SearchParams {
  q?: string | undefined
  room?: string | undefined
  author?: string | undefined
  before?: string | undefined
}

export type SearchOutcome =
  | { ok: true; hits: SearchHit[]; rooms: ReadonlyMap<string, Room>; next: string | undefined; shortened: boolean; stopped: boolean }
  | { ok: false; error: string }

/**
 * Searches the rooms the reader can read today: every room they are a member
 * of, or with `room=`, that one room when it is public or theirs. A room they
 * cannot read is answered like a missing one.
 */
export function searchService({ search, rooms, users }: { search: MessageSearch; rooms: RoomStore; users: UserStore }) {
  const fail = (error: string): SearchOutcome => ({ ok: false, error })

  /**
   * The room asked for by its address (`general-2`, `#general-2`) when the reader
   * may read it, else by the name of one of their rooms, in any case; a name two
   * of their rooms share is answered with both addresses to choose from.
   */
  async function pickRoom(user: User, asked: string): Promise<Room | string> {
    const { room, member } = await roomAndMembership(rooms, asked.replace(/^#/, '').toLowerCase(), user.id)
    if (room && (room.visibility === 'public' || member)) return room
    const name = normalizeWord(asked.trim())
    const named = (await rooms.roomsOf(user.id)).filter((r) => r.visibility !== 'direct' && normalizeWord(r.name) === name)
    if (named.length === 1) return named[0]!
    if (named.length > 1) return `${named.length} of your rooms are called "${named[0]!.name}": say which by its address, ${named.map((r) => `in:${r.slug}`).sort().join(' or ')}.`
    return 'There is no such room.'
  }

  return {
    async run(user: User, params: SearchParams): Promise<SearchOutcome> {
      const parsed = parseQuery(params.q)
      if (!parsed.ok) return fail(parsed.error)
      // `from:` and `in:` typed in the query stand for the form's boxes.
      const authorAsked = parsed.filters.from ?? params.author
      const roomAsked = parsed.filters.in ?? params.room
      let before: SearchCursor | undefined
      if (params.before) {
        before = parseCursor(params.before)
        if (!before) return fail('That link to more results is not valid; search again.')
      }
      let authorId: number | undefined
      if (authorAsked) {
        const login = authorAsked.replace(/^@/, '')
        const author = LOGIN.test(login) ? await users.findUserByLogin(login) : undefined
        if (!author) return fail(`No one here is called @${login.slice(0, 39)}.`)
        authorId = author.id
      }
      let readable: Room[]
      if (roomAsked) {
        const picked = await pickRoom(user, roomAsked)
        if (typeof picked === 'string') return fail(picked)
        readable = [picked]
      } else {
        readable = await rooms.roomsOf(user.id)
      }
      const byId = new Map(readable.map((r) => [r.id, r]))
      if (readable.length === 0) return { ok: true, hits: [], rooms: byId, next: undefined, shortened: parsed.terms.shortened, stopped: false }
      const { hits: found, stopped } = await search.searchMessages({
        terms: parsed.terms, roomIds: readable.map((r) => r.id), authorId, before, limit: RESULTS_PER_PAGE + 1,
      })
      const hits = found.slice(0, RESULTS_PER_PAGE)
      const next = found.length > RESULTS_PER_PAGE ? cursorOf(hits.at(-1)!.message) : undefined
      return { ok: true, hits, rooms: byId, next, shortened: parsed.terms.shortened, stopped }
    },
  }
}

export type SearchService = ReturnType<typeof searchService>
