import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { strToU8, zipSync, type Zippable } from 'fflate'

/**
 * Small Slack workspace exports, made as Slack documents them: users.json, channels.json, groups.json, dms.json,
 * mpims.json at the top, and `<folder>/<YYYY-MM-DD>.json` arrays of messages. `raw` entries are written as given
 * (bad JSON, odd names, file bytes).
 */
export interface SlackExportSpec {
  users?: unknown
  channels?: unknown
  groups?: unknown
  dms?: unknown
  mpims?: unknown
  /** Day files by path: `general/2020-01-01.json`. */
  days?: Record<string, unknown>
  raw?: Record<string, Uint8Array | string>
}

export function slackZip(spec: SlackExportSpec): Uint8Array {
  const files: Zippable = {}
  for (const [name, value] of [['users.json', spec.users], ['channels.json', spec.channels], ['groups.json', spec.groups], ['dms.json', spec.dms], ['mpims.json', spec.mpims]] as const) {
    if (value !== undefined) files[name] = strToU8(JSON.stringify(value, null, 2))
  }
  for (const [name, value] of Object.entries(spec.days ?? {})) files[name] = strToU8(JSON.stringify(value, null, 2))
  for (const [name, value] of Object.entries(spec.raw ?? {})) files[name] = typeof value === 'string' ? strToU8(value) : value
  return zipSync(files, { level: 6 })
}

/** Writes the export as a zip in `dir`; answers its path. */
export async function writeSlackZip(dir: string, name: string, spec: SlackExportSpec): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, slackZip(spec))
  return path
}

/** Slack's `ts` for a moment: seconds with six decimals. */
export const tsOf = (iso: string, micro = 0) => `${Math.floor(Date.parse(iso) / 1000)}.${String(micro).padStart(6, '0')}`
