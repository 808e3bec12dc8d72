import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

/** A document's shell block marked `<!-- docs-test: NAME -->`, as written (the docs' examples are run by the tests). */
export async function docsBlock(name: string, file = 'docs/http-api.md'): Promise<string> {
  const doc = await readFile(file, 'utf8')
  const block = new RegExp(`<!-- docs-test: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1]
  if (!block) throw new Error(`${file} has no block "${name}"`)
  return block
}

/** Runs a shell block with bash -e and only PATH and `env` in its environment; its standard output. */
export const runShell = async (script: string, env: Record<string, string>) =>
  (await promisify(execFile)('bash', ['-e', '-c', script], { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 })).stdout
