import type { MessageSearch, Room, RoomStore, SearchCursor, SearchHit, User, UserStore } from '../store/ports.ts'
import { roomAndMembership } from '../rooms/access.ts'
import { parseQuery } from './query.ts'

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

  return {
    async run(user: User, params: SearchParams): Promise<SearchOutcome> {
      const parsed = parseQuery(params.q)
      if (!parsed.ok) return fail(parsed.error)
      let before: SearchCursor | undefined
      if (params.before) {
        before = parseCursor(params.before)
        if (!before) return fail('That link to more results is not valid; search again.')
      }
      let authorId: number | undefined
      if (params.author) {
        const login = params.author.replace(/^@/, '')
        const author = LOGIN.test(login) ? await users.findUserByLogin(login) : undefined
        if (!author) return fail(`No one here is called @${login.slice(0, 39)}.`)
        authorId = author.id
      }
      let readable: Room[]
      if (params.room) {
        const { room, member } = await roomAndMembership(rooms, params.room, user.id)
        if (!room || (room.visibility !== 'public' && !member)) return fail('There is no such room.')
        readable = [room]
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
