import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

/** The README's shell blocks marked `<!-- readme-test: NAME -->`, as written. */
export async function readmeBlock(name: string): Promise<string> {
  const readme = await readFile('README.md', 'utf8')
  const block = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1]
  if (!block) throw new Error(`README has no block "${name}"`)
  return block
}

/** Runs a shell block with bash -e and only PATH and `env` in its environment; its standard output. */
export const runShell = async (script: string, env: Record<string, string>) =>
  (await promisify(execFile)('bash', ['-e', '-c', script], { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 })).stdout
