import yauzl from 'yauzl'
import type { Entry, ZipFile } from 'yauzl'
import { formatBytes } from '../lib/bytes.ts'

/** The largest JSON file of an export read: one channel's day, or users.json, is far smaller in practice. */
export const MAX_JSON_BYTES = 50 * 1024 * 1024

/** Why an archive is refused; the message names the file and what is wrong, for the page and the command line. */
export class ImportRefused extends Error {
  readonly code = 'IMPORT_REFUSED'
}

export interface ArchiveLimits {
  /** The most all entries may say they expand to together (`IMPORT_MAX_EXPANDED_BYTES`). */
  maxExpandedBytes: number
  /** The largest file taken from the archive to attach to a message (`UPLOAD_MAX_BYTES`); bigger ones are noted only. */
  maxFileBytes: number
  /** The largest JSON file read (MAX_JSON_BYTES unless said): an rtc transcript, read a message at a time, may be larger. */
  maxJsonBytes?: number | undefined
}

/**
 * A zip read by random access (yauzl): the central directory is listed once, and each entry is read and inflated
 * on its own when asked for, so memory holds one entry at a time, never the archive. Refused at opening, before
 * anything is imported: an entry whose name leaves the archive (`../`, an absolute path, a backslash), entries
 * that together say they expand past `maxExpandedBytes`, a JSON file over MAX_JSON_BYTES. yauzl also checks
 * each entry's real size against what it declared while inflating it.
 */
export interface Archive {
  /** Entry names (files only), with the export's top folder (if it has one) taken off. */
  readonly names: readonly string[]
  has(name: string): boolean
  /** The entry parsed as JSON; a refusal names the file when it is not JSON. */
  json(name: string): Promise<unknown>
  /** The entry as text, a chunk at a time (for a transcript too long to hold whole). */
  text(name: string): AsyncIterable<string>
  /** The entry's bytes, or undefined when it is missing or larger than `maxFileBytes`. */
  bytes(name: string): Promise<Uint8Array | undefined>
  close(): void
}

const nameProblem = (message: string) => {
  const [, kind, name] = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/.exec(message) ?? []
  return kind ? `the entry "${name!.slice(0, 200)}" ${kind === 'absolute path' ? 'is an absolute path' : kind === 'invalid relative path' ? 'points outside the archive' : 'has a backslash in its name'}` : undefined
}

async function open(path: string): Promise<ZipFile> {
  try {
    return await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: true })
  } catch (err) {
    throw new ImportRefused(`This is not a zip archive (${(err as Error).message}).`)
  }
}

export async function openArchive(path: string, limits: ArchiveLimits): Promise<Archive> {
  const zip = await open(path)
  const entries = new Map<string, Entry>()
  try {
    let expanded = 0
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue
      expanded += entry.uncompressedSize
      if (expanded > limits.maxExpandedBytes) {
        throw new ImportRefused(`The archive expands to more than ${formatBytes(limits.maxExpandedBytes)} (IMPORT_MAX_EXPANDED_BYTES); nothing was imported.`)
      }
      const maxJson = limits.maxJsonBytes ?? MAX_JSON_BYTES
      if (entry.fileName.endsWith('.json') && entry.uncompressedSize > maxJson) {
        throw new ImportRefused(`${entry.fileName} is ${formatBytes(entry.uncompressedSize)}: a JSON file of an export may be at most ${formatBytes(maxJson)}; nothing was imported.`)
      }
      entries.set(entry.fileName, entry)
    }
  } catch (err) {
    zip.close()
    if (err instanceof ImportRefused) throw err
    const problem = nameProblem((err as Error).message)
    throw new ImportRefused(problem ? `The archive is refused: ${problem}; nothing was imported.` : `The archive could not be read (${(err as Error).message}); nothing was imported.`)
  }
  // Some exports are zipped again with a top folder around them: users.json tells where the export starts.
  const users = [...entries.keys()].filter((n) => n === 'users.json' || n.endsWith('/users.json')).sort((a, b) => a.length - b.length)[0]
  const top = users?.slice(0, -'users.json'.length) ?? ''
  const byName = new Map([...entries].filter(([n]) => n.startsWith(top)).map(([n, e]) => [n.slice(top.length), e]))

  const read = async (entry: Entry): Promise<Uint8Array> => {
    const stream = await zip.openReadStreamPromise(entry)
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return new Uint8Array(Buffer.concat(chunks))
  }
  const decoder = new TextDecoder()
  return {
    names: [...byName.keys()],
    has: (name) => byName.has(name),
    async json(name) {
      const entry = byName.get(name)
      if (!entry) throw new ImportRefused(`${name} is missing from the archive.`)
      let text: string
      try {
        text = decoder.decode(await read(entry))
      } catch (err) {
        throw new ImportRefused(`${name} could not be read from the archive (${(err as Error).message}).`)
      }
      try {
        return JSON.parse(text) as unknown
      } catch (err) {
        throw new ImportRefused(`${name} is not valid JSON (${(err as Error).message}).`)
      }
    },
    async *text(name) {
      const entry = byName.get(name)
      if (!entry) throw new ImportRefused(`${name} is missing from the archive.`)
      const stream = await zip.openReadStreamPromise(entry)
      stream.setEncoding('utf8')
      for await (const chunk of stream) yield chunk as string
    },
    async bytes(name) {
      const entry = byName.get(name)
      if (!entry || entry.uncompressedSize > limits.maxFileBytes) return undefined
      return read(entry)
    },
    close: () => zip.close(),
  }
}
