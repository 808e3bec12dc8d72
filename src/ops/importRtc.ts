/**
 * `npm run import:rtc -- room.json|room.zip [--room slug]` (or `node dist/ops/importRtc.js …`): imports a room
 * exported from rtc (`GET /rooms/:room/export?format=json`, or the zip of `&files=1` with its files) into the stores
 * the server uses, as a new room or, with `--room`, into an existing one (see importCli.ts for the environment,
 * progress and exit codes).
 */
import { parseArgs } from 'node:util'
import { importRtc } from '../import/rtc.ts'
import { runImport } from './importCli.ts'

const usage = () => {
  process.stderr.write('usage: npm run import:rtc -- <room-export.json|room-export.zip> [--room <slug>]\n')
  process.exit(2)
}
let parsed
try {
  parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { room: { type: 'string' } } })
} catch {
  usage()
}
const [file, ...rest] = parsed!.positionals
if (!file || rest.length) usage()
await runImport(file!, (path, deps, options) => importRtc(path, deps, { ...options, room: parsed!.values.room }))
