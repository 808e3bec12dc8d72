/** Starting the servers under test on their own core, and reading their CPU time and memory from /proc. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { homedir } from 'node:os'
import WebSocket from 'ws'

export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0
const TICKS_PER_SECOND = 100

export interface ServerProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
  /** Bytes it has written to stdout and stderr (its log). */
  outputBytes(): number
  stop(): Promise<void>
}

/**
 * Spawns `node --import tsx <file> [args]` pinned to `core` where taskset exists, and waits for its "listening" line.
 * BENCH_NODE_ARGS (space-separated), then `nodeArgs`, go to node first, for profiling the servers under test.
 */
export async function startPinned(file: string, args: string[], opts: { core?: number; env?: Record<string, string>; ready?: RegExp; port: number; nodeArgs?: string[] }): Promise<ServerProcess> {
  const node = [process.execPath, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(opts.nodeArgs ?? []), '--import', 'tsx', file, ...args]
  const command = HAS_TASKSET && opts.core !== undefined ? ['taskset', '-c', String(opts.core), ...node] : node
  const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let bytes = 0
  child.stdout!.on('data', (d: Buffer) => { bytes += d.length })
  child.stderr!.on('data', (d: Buffer) => { bytes += d.length })
  // Until it is ready its output is kept (for the error if it fails to start); after, only counted: a long run must not hold the log.
  let onReady = () => {}
  const onData = (d: Buffer) => { output += d.toString(); onReady() }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${output}`)), 60_000)
    onReady = () => {
      if ((opts.ready ?? /listening/).test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)))
  }).finally(() => {
    child.stdout!.off('data', onData)
    child.stderr!.off('data', onData)
  })
  return {
    child,
    pid: child.pid!,
    port: opts.port,
    outputBytes: () => bytes,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
    }),
  }
}

/**
 * A port nothing listens on now, from the kernel's ephemeral range: fixed ports (9300, 9500, …) collide when two
 * runs share the box, and a run could then measure the other run's server.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** CPU seconds (user + system) the process has used. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** The same, or undefined when the process is gone (a PostgreSQL backend can end between listing and reading). */
const cpuSecondsIfAlive = (pid: number) => {
  try {
    return cpuSeconds(pid)
  } catch {
    return undefined
  }
}

/** Every process whose /proc/<pid>/comm is `comm` (PostgreSQL's postmaster, backends and background workers are all `postgres`). */
export function pidsNamed(comm: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm ? [Number(d)] : []
    } catch {
      return []
    }
  })
}

/** The Cassandra node's JVM: the test node's pid file (tools start it so), else a process running CassandraDaemon. */
export function cassandraPids(): number[] {
  try {
    const pid = Number(readFileSync(`${homedir()}/.cache/rtc-cassandra/cassandra.pid`, 'utf8').trim())
    if (pid > 0 && existsSync(`/proc/${pid}/stat`)) return [pid]
  } catch { /* no test node: look for another */ }
  return pidsNamed('java').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('org.apache.cassandra.service.CassandraDaemon')
    } catch {
      return false
    }
  })
}

/**
 * Whether the Cassandra node measured runs C1 only (`-XX:TieredStopAtLevel=1`, how tools/test.sh starts it for
 * tests): it then spends more CPU per write than a node run as operators run it, so a benchmark on
 * it says so rather than reporting the handicapped figure as the product's.
 */
export function cassandraQuickJit(): boolean {
  return cassandraPids().some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('-XX:TieredStopAtLevel=1')
    } catch {
      return false
    }
  })
}

/**
 * Starts a window over groups of processes (each group's pids looked up now and again at its end); the answer ends it
 * and gives each group's CPU seconds within it. A process found only at the end started within the window and counts
 * whole; one gone by then is missed for its last moments (a PostgreSQL backend closed by an idle pool, say). A group
 * with no process at either end is left out, not counted as zero.
 */
export function cpuWindow(groups: Record<string, () => number[]>): () => Record<string, number> {
  const start = new Map(Object.entries(groups).map(([name, find]) => [name, new Map(find().flatMap((pid) => {
    const cpu = cpuSecondsIfAlive(pid)
    return cpu === undefined ? [] : [[pid, cpu] as const]
  }))]))
  return () => Object.fromEntries(Object.entries(groups).flatMap(([name, find]) => {
    const before = start.get(name)!
    const now = find()
    if (before.size === 0 && now.length === 0) return []
    const used = now.reduce((n, pid) => n + (cpuSecondsIfAlive(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0), 0)
    return [[name, used]]
  }))
}

/** Resident memory in bytes. */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) * 1024
}

/** The control socket of a transport server: publishes batches and asks for event-loop stats. */
export async function control(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/control`, { perMessageDeflate: false })
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  return {
    send: (batch: unknown) => ws.send(JSON.stringify(batch)),
    stats: () => new Promise<{ lagP99Ms: number; lagMaxMs: number }>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString())))
      ws.send('stats')
    }),
    close: () => ws.close(),
  }
}

export const hasProc = existsSync('/proc/self/stat')

/**
 * The processes listening on TCP `host`:`port` (IPv4), found through /proc/net/tcp and the sockets in every
 * process's /proc/PID/fd (all of them only as root): the Cassandra JVM behind a contact point, say.
 */
export function listenerPids(host: string, port: number): number[] {
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0')
  const address = `${host.split('.').map(Number).reverse().map((b) => hex(b, 2)).join('')}:${hex(port, 4)}`
  const inodes = new Set(readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).flatMap((line) => {
    const f = line.trim().split(/\s+/)
    return f[1] === address && f[3] === '0A' ? [`socket:[${f[9]}]`] : []
  }))
  if (inodes.size === 0) return []
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      return readdirSync(`/proc/${d}/fd`).some((fd) => { try { return inodes.has(readlinkSync(`/proc/${d}/fd/${fd}`)) } catch { return false } }) ? [Number(d)] : []
    } catch {
      return []
    }
  })
}

/** Open file descriptors of a process, and how many of them are sockets. */
export function openFds(pid: number): { fds: number; sockets: number } {
  const fds = readdirSync(`/proc/${pid}/fd`)
  let sockets = 0
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++
    } catch { /* closed meanwhile */ }
  }
  return { fds: fds.length, sockets }
}
