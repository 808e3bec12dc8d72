import { ImportRefused } from './archive.ts'

/**
 * The parts of Slack's export format the import reads (what Slack documents for a workspace export): users.json,
 * channels.json (public), groups.json (private channels), dms.json and mpims.json (direct and group messages,
 * in exports that have them), and a folder per conversation of `YYYY-MM-DD.json` days, each an array of messages.
 */
export interface SlackUser {
  id: string
  name: string
  real_name?: string
  deleted?: boolean
  is_bot?: boolean
  profile?: { email?: string; display_name?: string; real_name?: string }
}

export interface SlackChannel {
  id: string
  /** The channel's name and folder; DMs have none (their folder is their id). */
  name?: string
  created?: number
  creator?: string
  is_archived?: boolean
  members?: string[]
  topic?: { value?: string }
  purpose?: { value?: string }
}

export interface SlackFile {
  id?: string
  name?: string
  title?: string
  url_private?: string
}

export interface SlackMessage {
  type?: string
  subtype?: string
  user?: string
  bot_id?: string
  username?: string
  text?: string
  ts: string
  thread_ts?: string
  reactions?: { name: string; users?: string[]; count?: number }[]
  files?: SlackFile[]
}

/** What each of the listing files holds, and what kind of room its conversations become. */
export const LISTINGS = [
  { file: 'channels.json', kind: 'public' },
  { file: 'groups.json', kind: 'private' },
  { file: 'mpims.json', kind: 'group' },
  { file: 'dms.json', kind: 'direct' },
] as const
export type ConversationKind = (typeof LISTINGS)[number]['kind']

/** Messages that were said by someone; joins, leaves, topic changes and other notices are not imported. */
const SAID = new Set([undefined, 'thread_broadcast', 'bot_message', 'file_share', 'me_message'])
export const isSaid = (m: SlackMessage) => SAID.has(m.subtype)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const TS = /^\d{1,12}(\.\d{1,9})?$/

/** A listing file as an array of objects with a string `id` (and `name` where named); refused, naming the file, otherwise. */
export function listOf<T extends { id: string }>(value: unknown, file: string, needsName: boolean): T[] {
  if (!Array.isArray(value)) throw new ImportRefused(`${file} is not a list (a Slack export's ${file} is a JSON array).`)
  value.forEach((item, i) => {
    if (!isObject(item) || typeof item.id !== 'string' || (needsName && typeof item.name !== 'string')) {
      throw new ImportRefused(`${file}: entry ${i + 1} has no ${needsName ? 'id and name' : 'id'}.`)
    }
  })
  return value as T[]
}

/** A day file's messages (those with a usable `ts`), refused naming the file when it is not a list. */
export function messagesOf(value: unknown, file: string): SlackMessage[] {
  if (!Array.isArray(value)) throw new ImportRefused(`${file} is not a list of messages.`)
  return value.filter((m): m is SlackMessage => isObject(m) && typeof m.ts === 'string' && TS.test(m.ts))
}

/** Slack's `ts` ("1546300800.000200": seconds and microseconds) as a Date (to the millisecond) and as a sortable key. */
export const dateOf = (ts: string) => new Date(Math.floor(Number(ts) * 1000))
export const compareTs = (a: string, b: string) => {
  const [as = '', af = ''] = a.split('.')
  const [bs = '', bf = ''] = b.split('.')
  return Number(as) - Number(bs) || af.padEnd(9, '0').localeCompare(bf.padEnd(9, '0'))
}

/** A Slack name as an rtc login (GitHub's shape: letters, digits and single dashes, at most 39). */
export function loginOf(name: string, fallback: string): string {
  const login = name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 39).replace(/-+$/, '')
  return login || fallback
}
