/**
 * `npm run import:slack -- export.zip` (or `node dist/ops/importSlack.js export.zip`): imports a Slack export into
 * the stores the server uses (see importCli.ts for the environment, progress and exit codes).
 */
import { importSlack } from '../import/importer.ts'
import { runImport } from './importCli.ts'

const file = process.argv[2]
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: npm run import:slack -- <slack-export.zip>\n')
  process.exit(2)
}
await runImport(file, importSlack)
