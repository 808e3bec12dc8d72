/**
 * `--profile`: where each app instance spends its CPU over a full-stack scenario's measured window.
 *
 * perf where it records: the instances run with --perf-basic-prof (V8 writes /tmp/perf-<pid>.map, so perf names
 * the JIT-compiled JavaScript), `perf record -F 499 -g -p <pid>` per instance over the window, and
 * `perf report --stdio --no-children` (top 40 symbols by self time) goes to
 * bench/results/profile-<scenario>-<instance>-<time>.txt. Whether perf can attach is tried at start-up on a busy
 * process on the servers' core: on this box (a Firecracker VM, no hardware counters, so perf samples the cpu-clock)
 * `perf stat -p` reads "<not counted>" and `perf record -p` has at times come back with no samples. If it comes back
 * empty at start-up, the window is recorded CPU-wide on the instances' core (`-C 0`) and each instance's summary is read out
 * of that by pid; a summary whose recording still got nothing says so. The perf.data and the JIT maps are removed
 * once summarised (record by hand for call graphs). perf runs beside the load generator on core 1 and costs it some CPU.
 *
 * Without a working perf, V8's --cpu-prof: one .cpuprofile per instance for its whole life (setup included),
 * written as it exits into bench/results/prof-<scenario>-<time>/. It samples the main thread's wall clock, so on a
 * loaded box it misreads waiting for the core as CPU (send-path.md: 6.3 s busy for 3.5 s of CPU).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { HAS_TASKSET } from './procs.ts'

/** The core the app instances are pinned to (bench/stack.ts). */
const SERVER_CORE = 0
const TOP_SYMBOLS = 40
const RESULTS = 'bench/results'
const run = promisify(execFile)
const stamp = () => new Date().toISOString().replace(/[:.]/g, '-')

export interface Profiler {
  /** How it records, for the report. */
  readonly method: string
  /** Node flags for the instances of scenario `label`. */
  nodeArgs(label: string): string[]
  /** Starts recording `targets` (instance name → pid) for scenario `label`; the answer stops it and answers where the profiles went. */
  start(label: string, targets: Record<string, number>): Promise<() => Promise<string[]>>
  /** Stops any recording still running (a scenario that threw) and removes the JIT maps; call once the instances are gone. */
  finish(): void
}

/** Whether perf, recorded with `args(pid)`, gets samples of a busy process on the servers' core (spawnSync: only at start-up). */
function perfRecords(args: (pid: number) => string[]): boolean {
  const loop = [process.execPath, '-e', 'const end = Date.now() + 3000; while (Date.now() < end);']
  const busy = spawn(HAS_TASKSET ? 'taskset' : loop[0]!, HAS_TASKSET ? ['-c', String(SERVER_CORE), ...loop] : loop.slice(1), { stdio: 'ignore' })
  const data = join(tmpdir(), `rtc-bench-perf-probe-${process.pid}.data`)
  try {
    const record = spawnSync('perf', ['record', '-F', '499', ...args(busy.pid!), '-o', data, '--', 'sleep', '1'], { stdio: 'ignore', timeout: 15_000 })
    if (record.status !== 0) return false
    const report = spawnSync('perf', ['report', '-i', data, '--stdio', '-q', '--pid', String(busy.pid)], { encoding: 'utf8', timeout: 30_000 })
    return report.status === 0 && report.stdout.trim() !== ''
  } finally {
    busy.kill('SIGKILL')
    rmSync(data, { force: true })
  }
}

export function openProfiler(): Profiler {
  mkdirSync(RESULTS, { recursive: true })
  const cpuWide = HAS_TASKSET ? ['-C', String(SERVER_CORE)] : ['-a']
  const perPid = perfRecords((pid) => ['-p', String(pid)])
  if (perPid || perfRecords(() => cpuWide)) return perfProfiler(perPid ? undefined : cpuWide)
  return v8Profiler()
}

/** perf per instance (`cpuWide` undefined) or one CPU-wide recording split by pid. */
function perfProfiler(cpuWide: string[] | undefined): Profiler {
  const running = new Set<ChildProcess>()
  const profiled = new Set<number>()
  const stopAll = () => { for (const p of running) p.kill('SIGINT') }
  process.once('exit', stopAll)
  return {
    method: cpuWide ? `perf record -F 499 -g ${cpuWide.join(' ')}, split by pid` : 'perf record -F 499 -g -p <pid>',
    nodeArgs: () => ['--perf-basic-prof'],
    async start(label, targets) {
      const time = stamp()
      const base = (who: string) => `${RESULTS}/profile-${label}-${who}-${time}`
      const recordings = cpuWide
        ? [{ data: `${base('all')}.data`, args: cpuWide, targets: Object.entries(targets) }]
        : Object.entries(targets).map(([who, pid]) => ({ data: `${base(who)}.data`, args: ['-p', String(pid)], targets: [[who, pid] as const] }))
      const perfs = recordings.map((r) => {
        const perf = spawn('perf', ['record', '-F', '499', '-g', ...r.args, '-o', r.data], { stdio: 'ignore' })
        running.add(perf)
        return perf
      })
      for (const pid of Object.values(targets)) profiled.add(pid)
      // perf prints nothing once it records; give it a moment to open its buffers before the window starts.
      await new Promise((r) => setTimeout(r, 300))
      return async () => {
        await Promise.all(perfs.map((perf) => new Promise<void>((resolve) => {
          running.delete(perf)
          if (perf.exitCode !== null || perf.signalCode !== null) return resolve()
          perf.once('exit', () => resolve())
          perf.kill('SIGINT')
        })))
        const written: string[] = []
        for (const r of recordings) {
          for (const [who, pid] of r.targets) {
            const { stdout } = await run('perf', ['report', '-i', r.data, '--stdio', '--no-children', '-g', 'none', '--sort', 'dso,sym', '--pid', String(pid), '--percentage', 'relative'],
              { maxBuffer: 1 << 28 }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: `# perf report failed: ${err.stderr ?? err}\n${err.stdout ?? ''}` }))
            const lines = stdout.split('\n')
            const head = lines.filter((l) => l.startsWith('#') && l.trim() !== '#' && !/Tip:|To display the perf.data header/.test(l))
            const top = lines.filter((l) => l.trim() !== '' && !l.startsWith('#')).slice(0, TOP_SYMBOLS)
            // The same samples with callers credited: which of our functions (and the libraries') the time is spent under.
            const inclusive = await run('perf', ['report', '-i', r.data, '--stdio', '--children', '-g', 'none', '--sort', 'sym', '--pid', String(pid), '--percentage', 'relative'],
              { maxBuffer: 1 << 28 }).then(({ stdout: out }) => out.split('\n').filter((l) => /JS:/.test(l)).slice(0, TOP_SYMBOLS), () => [])
            const file = `${base(who)}.txt`
            writeFileSync(file, [`# scenario ${label}, instance ${who} (pid ${pid}), the measured window: perf record -F 499 -g ${r.args.join(' ')}; top ${TOP_SYMBOLS} by self time`, ...head, ...top, '',
              `# JavaScript functions by time spent in them and what they call (children), top ${TOP_SYMBOLS}`, ...inclusive, ''].join('\n'))
            written.push(file)
          }
          rmSync(r.data, { force: true })
        }
        return written
      }
    },
    finish() {
      stopAll()
      process.off('exit', stopAll)
      for (const pid of profiled) rmSync(`/tmp/perf-${pid}.map`, { force: true })
    },
  }
}

/** V8's sampler in each instance, for its whole life; the files appear as the instances exit. */
function v8Profiler(): Profiler {
  const dirs = new Map<string, string>()
  const dir = (label: string) => dirs.get(label) ?? dirs.set(label, `${RESULTS}/prof-${label}-${stamp()}`).get(label)!
  return {
    method: 'V8 --cpu-prof (perf records nothing here)',
    nodeArgs: (label) => ['--cpu-prof', `--cpu-prof-dir=${dir(label)}`],
    start: async (label) => async () => [`${dir(label)}/ (whole life of each instance, written as it exits)`],
    finish() {},
  }
}
