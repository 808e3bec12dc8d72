import { spawn, type ChildProcess } from 'node:child_process'
import { sealed } from './network.ts'

export interface ServerProcess {
  readonly url: string
  readonly child: ChildProcess
  readonly stdout: string[]
  readonly stderr: string[]
  /** Sends the signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>
}

/** How each runtime starts the app from source. */
export const ENTRIES = {
  node: [process.execPath, '--import', 'tsx', 'src/main.ts'],
  deno: ['node_modules/.bin/deno', 'run', '--allow-net', '--allow-env', '--allow-read', '--allow-write', '--allow-sys', '--allow-ffi', 'src/deno.ts'],
  /** The built app, as the Dockerfile's CMD runs it. */
  dist: [process.execPath, 'dist/main.js'],
} as const

export type Runtime = keyof typeof ENTRIES

/** Runs the app's entry with exactly this environment (plus PATH), as a real process. */
export function runMain(env: Record<string, string>, runtime: Runtime = 'node', cwd?: string): { child: ChildProcess; stdout: string[]; stderr: string[]; exited: Promise<number | null> } {
  const [command, ...args] = ENTRIES[runtime]
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: string[] = []
  const stderr: string[] = []
  child.stdout!.on('data', (d: Buffer) => stdout.push(...d.toString().split('\n').filter(Boolean)))
  child.stderr!.on('data', (d: Buffer) => stderr.push(...d.toString().split('\n').filter(Boolean)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, stdout, stderr, exited }
}

/** Starts the server on a random loopback port and waits for its start-up line. */
export async function startServerProcess(env: Record<string, string>, runtime: Runtime = 'node', { cwd, timeoutMs = 60_000 }: { cwd?: string; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const { child, stdout, stderr, exited } = runMain({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...sealed(env), ...env }, runtime, cwd)
  const started = Date.now()
  let url: string | undefined
  while (!url) {
    const line = stdout.find((l) => l.includes('"msg":"rtc started"'))
    if (line) url = (JSON.parse(line) as { url: string }).url
    else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
      child.kill('SIGKILL')
      throw new Error(`server did not start:\n${[...stdout, ...stderr].join('\n')}`)
    } else await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url, child, stdout, stderr,
    async stop(signal = 'SIGTERM') {
      const t = Date.now()
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 }
      child.kill(signal)
      const code = await exited
      return { code, ms: Date.now() - t }
    },
  }
}
