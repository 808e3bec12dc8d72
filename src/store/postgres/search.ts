import type { Sql } from 'postgres'
import type { Logger } from '../../log.ts'
import { MARK_START, MARK_STOP, partsFromMarkers, windowAround } from '../../lib/snippets.ts'
import type { MessageSearch, SearchTerms } from '../ports.ts'
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './messages.ts'

/** Marks over the whole body, which keeps it as typed (ts_headline's own windows drop what looks like a tag); cut in code. */
const HEADLINE = `StartSel=${MARK_START}, StopSel=${MARK_STOP}, HighlightAll=true`

/**
 * The headline was made over the body with angle brackets as spaces (as the
 * column indexes it) and the markers' characters dropped: put the body's own
 * characters back, one for one, around the markers.
 */
function restoreBrackets(marked: string, body: string): string {
  const original = [...body.replace(new RegExp(`[${MARK_START}${MARK_STOP}]`, 'g'), '')]
  const headline = [...marked]
  let i = 0
  return headline.map((ch) => (ch === MARK_START || ch === MARK_STOP ? ch : original[i++] ?? ch)).join('')
}

/** A word as a `to_tsquery` operand: quoted, so nothing typed is read as an operator (`|`, `!`, `<->`, `:*`). */
const operand = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`

/**
 * The terms as `to_tsquery` text: every word and phrase required (a quoted
 * phrase is read as words in order), each excluded word negated, and the
 * prefix word with `:*` (websearch_to_tsquery has no prefixes).
 */
export function tsqueryText(terms: SearchTerms): string {
  const inPhrase = new Set(terms.phrases.flat())
  return [
    ...terms.words.filter((w) => !inPhrase.has(w)).map((w) => operand(w) + (w === terms.prefix ? ':*' : '')),
    ...terms.phrases.map((p) => operand(p.join(' '))),
    ...terms.excluded.map((w) => `!${operand(w)}`),
  ].join(' & ')
}

/**
 * Makes the generated `search` column use `language` (a name in pg_ts_config),
 * rebuilding it and its index when it was made with another. Runs at start-up,
 * after the migrations; the rebuild rewrites the table once.
 */
export async function useSearchLanguage(sql: Sql, language: string, log: Logger): Promise<void> {
  const [known] = await sql`SELECT 1 FROM pg_ts_config WHERE cfgname = ${language}`
  if (!known) {
    const names = (await sql<{ cfgname: string }[]>`SELECT cfgname FROM pg_ts_config ORDER BY cfgname`).map((r) => r.cfgname)
    throw Object.assign(new Error(`SEARCH_LANGUAGE "${language}" is not a text search configuration of this database (it has: ${names.join(', ')})`), { code: 'CONFIG' })
  }
  const [column] = await sql<{ expr: string }[]>`
    SELECT pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_attrdef d
    JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
    WHERE d.adrelid = 'messages'::regclass AND a.attname = 'search'`
  if (column?.expr.includes(`'${language}'::regconfig`)) return
  log.warn({ language }, 'rebuilding the search column of messages for a new SEARCH_LANGUAGE')
  await sql.begin(async (tx) => {
    await tx`LOCK TABLE messages IN ACCESS EXCLUSIVE MODE`
    await tx`ALTER TABLE messages DROP COLUMN IF EXISTS search`
    await tx.unsafe(`ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('${language.replace(/'/g, "''")}'::regconfig, translate(body, '<>', '  '))) STORED`)
    await tx`CREATE INDEX messages_search ON messages USING gin (search)`
  })
}

/** Above this share of all messages a word is common: each room's index is walked instead of the word's whole GIN list. */
const COMMON_SHARE = 0.05

/**
 * Full-text search over the generated `search` column. Statements are planned
 * with their values, never as generic prepared plans, so the planner sees the
 * words. Over several rooms the plan follows how common the rarest word is (the
 * column's statistics): a rare one is looked up once in the GIN index for all
 * the rooms; a common one would bring a long list, so each room's newest
 * matches are taken by walking its (room, time) index backwards until it has a
 * page (a `LATERAL` subquery per room), then merged. Snippets by ts_headline.
 */
export function postgresSearch(sql: Sql, { language = 'simple' }: { language?: string } = {}): MessageSearch {
  /** The share of messages holding the rarest of these words, by the column's statistics (0 for one they do not list). */
  const rarestShare = async (words: readonly string[]) => {
    const [row] = await sql.unsafe<{ share: number | null }[]>(`
      SELECT min(coalesce(f.freq, 0)) AS share
      FROM unnest(tsvector_to_array(to_tsvector($1::regconfig, $2))) AS l(lexeme)
      LEFT JOIN (
        SELECT unnest(most_common_elems::text::text[]) AS lexeme, unnest(most_common_elem_freqs) AS freq
        FROM pg_stats WHERE tablename = 'messages' AND attname = 'search'
      ) f USING (lexeme)`, [language, words.join(' ')], { prepare: false })
    return row?.share ?? 0
  }

  return {
    async searchMessages({ terms, roomIds, authorId, before, limit }) {
      const rooms = roomIds.filter((id) => /^\d{1,19}$/.test(id))
      if (rooms.length === 0) return { hits: [], stopped: false }
      const params: unknown[] = [language, tsqueryText(terms), `{${rooms.join(',')}}`, limit]
      const param = (value: unknown) => `$${params.push(value)}`
      const filters = [
        'search @@ to_tsquery($1::regconfig, $2) AND deleted_at IS NULL',
        authorId === undefined ? '' : `AND author_id = ${param(authorId)}`,
        before ? `AND (created_at, room_id, id) < (${param(before.createdAt)}::timestamptz, ${param(before.roomId)}::bigint, ${param(before.id)}::bigint)` : '',
      ].join(' ')
      const perRoom = rooms.length === 1 || await rarestShare(terms.words) > COMMON_SHARE
      const hits = perRoom
        ? `SELECT m.* FROM unnest($3::bigint[]) AS r(id) CROSS JOIN LATERAL (
             SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = r.id AND ${filters} ORDER BY created_at DESC, id DESC LIMIT $4
           ) m ORDER BY created_at DESC, room_id DESC, id DESC LIMIT $4`
        : `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = ANY($3::bigint[]) AND ${filters}
           ORDER BY created_at DESC, room_id DESC, id DESC LIMIT $4`
      const rows = await sql.unsafe<(MessageRow & { snippet: string })[]>(`
        WITH hits AS (${hits})
        SELECT hits.*, ts_headline($1::regconfig, translate(body, '<>${MARK_START}${MARK_STOP}', '  '), to_tsquery($1::regconfig, $2), '${HEADLINE}') AS snippet
        FROM hits ORDER BY created_at DESC, room_id DESC, id DESC`, params as never[], { prepare: false })
      // No budget here: the GIN index answers exclusions and rare words without reading a room (13 ms for
      // `ipsum -lorem` in a room of 200,000 messages that all hold both), so a search always finishes.
      const found = rows.map((r) => ({ message: toMessage(r), snippet: windowAround(partsFromMarkers(restoreBrackets(r.snippet, r.body))) }))
      return { hits: found, stopped: false }
    },
  }
}
