import { client } from './client.ts'
import { errors } from './errors.ts'
import { layout } from './layout.ts'
import { lobby } from './lobby.ts'
import { message } from './message.ts'
import { room } from './room.ts'
import { settings } from './settings.ts'
import { sidebar } from './sidebar.ts'
import { signIn } from './signIn.ts'

/**
 * Every area of the interface's words, each in its own file (src/i18n/<area>.ts, all five languages side by
 * side). A new area is a new file and one line here.
 */
export const CATALOG = { client, errors, layout, lobby, message, room, settings, sidebar, signIn }

type Areas = typeof CATALOG
/** Every entry's key, `area.entry`: tsc refuses a key that is not in the catalog. */
export type Key = { [A in keyof Areas]: `${A}.${keyof Areas[A]['en'] & string}` }[keyof Areas]
