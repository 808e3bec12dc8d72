import { ImportRefused } from './archive.ts'

/** A piece of a JSON document `{ "key": value, …, "<list>": [item, …] }`: a top-level member, or one item of the list. */
export type JsonPart = { kind: 'member'; key: string; value: unknown } | { kind: 'item'; index: number; value: unknown }

type State = 'start' | 'key' | 'colon' | 'value' | 'comma' | 'item' | 'item-comma' | 'end'

const SPACE = new Set([' ', '\t', '\n', '\r'])

/**
 * Reads a JSON object streamed as text, a piece at a time: each top-level member is parsed on its own, except the
 * array under `list`, whose items are parsed and yielded one by one. So a transcript of any length is read in
 * constant memory, and a piece larger than `maxPart` characters is refused (naming it) before it is held whole.
 * Whatever is not JSON, or not an object at the top, is refused with where it went wrong.
 */
export async function* jsonParts(text: AsyncIterable<string>, list: string, maxPart: number, file: string): AsyncGenerator<JsonPart> {
  // Where the reader is: outside the object, between its members (expecting a key, a colon, a value or a comma),
  // or in the list (expecting an item or a comma); `capture` holds the text of the value being read.
  let at = 'start' as State
  let depth = 0
  let inString = false
  let escaped = false
  let key = ''
  let capture: { depth: number; text: string; primitive: boolean; keyString: boolean } | undefined
  let index = 0
  let offset = 0
  /** Just after a comma: a member or an item must follow, not the end. */
  let afterComma = false
  const fail = (what: string): never => {
    throw new ImportRefused(`${file} is not an rtc export: ${what} (at character ${offset.toLocaleString('en-US')}).`)
  }
  const parse = (raw: string, what: string): unknown => {
    try {
      return JSON.parse(raw)
    } catch (err) {
      return fail(`${what} is not valid JSON (${(err as Error).message})`)
    }
  }
  /** The value captured, as a part (or the key it was). */
  const finish = (): JsonPart | undefined => {
    const { text: raw, keyString } = capture!
    capture = undefined
    if (keyString) {
      key = parse(raw, 'a key') as string
      at = 'colon'
      return undefined
    }
    if (at === 'item') {
      at = 'item-comma'
      return { kind: 'item', index: index++, value: parse(raw, `item ${index + 1} of "${list}"`) }
    }
    at = 'comma'
    return { kind: 'member', key, value: parse(raw, `"${key.slice(0, 40)}"`) }
  }
  const grow = (s: string) => {
    capture!.text += s
    if (capture!.text.length > maxPart) {
      fail(capture!.keyString ? 'a key is too long' : at === 'item'
        ? `item ${index + 1} of "${list}" is larger than ${maxPart.toLocaleString('en-US')} characters`
        : `"${key.slice(0, 40)}" is larger than ${maxPart.toLocaleString('en-US')} characters`)
    }
  }

  for await (const chunk of text) {
    let from = 0
    const out: JsonPart[] = []
    for (let i = 0; i < chunk.length; i++, offset++) {
      const c = chunk[i]!
      if (inString) {
        if (escaped) escaped = false
        else if (c === '\\') escaped = true
        else if (c === '"') {
          inString = false
          // A string closing at the captured value's own depth is that value (a string inside an object is deeper).
          if (capture && !capture.primitive && capture.depth === depth) {
            grow(chunk.slice(from, i + 1))
            const part = finish()
            if (part) out.push(part)
          }
        }
        continue
      }
      if (capture?.primitive && (SPACE.has(c) || c === ',' || c === '}' || c === ']')) {
        grow(chunk.slice(from, i))
        const part = finish()
        if (part) out.push(part)
      }
      if (SPACE.has(c)) continue
      if (capture) {
        // Inside a value being captured: only its brackets matter, until it closes.
        if (c === '"') inString = true
        else if (c === '{' || c === '[') depth++
        else if (c === '}' || c === ']') {
          depth--
          if (depth === capture.depth) {
            grow(chunk.slice(from, i + 1))
            const part = finish()
            if (part) out.push(part)
          }
        }
        continue
      }
      // (Set in `finish` too, which the compiler does not follow.)
      switch (at as State) {
        case 'start':
          if (c !== '{') fail('it does not start with "{"')
          depth = 1
          at = 'key'
          break
        case 'key':
          if (c === '}' && !afterComma) {
            at = 'end'
            depth = 0
          } else if (c === '"') {
            inString = true
            afterComma = false
            capture = { depth, text: '', primitive: false, keyString: true }
            from = i
          } else fail('a key was expected')
          break
        case 'colon':
          if (c !== ':') fail('a colon was expected')
          at = 'value'
          break
        case 'value':
        case 'item':
          if (at === 'value' && key === list) {
            if (c !== '[') fail(`"${list}" is not a list`)
            depth = 2
            at = 'item'
            break
          }
          if (at === 'item' && c === ']' && !afterComma) {
            depth = 1
            at = 'comma'
            break
          }
          afterComma = false
          from = i
          capture = { depth, text: '', primitive: !(c === '{' || c === '[' || c === '"'), keyString: false }
          if (c === '"') inString = true
          else if (c === '{' || c === '[') depth++
          else if (c === '}' || c === ']' || c === ',' || c === ':') fail('a value was expected')
          break
        case 'comma':
          if (c === ',') {
            at = 'key'
            afterComma = true
          }
          else if (c === '}') {
            at = 'end'
            depth = 0
          } else fail('a comma or "}" was expected')
          break
        case 'item-comma':
          if (c === ',') {
            at = 'item'
            afterComma = true
          }
          else if (c === ']') {
            depth = 1
            at = 'comma'
          } else fail(`a comma or "]" was expected in "${list}"`)
          break
        case 'end':
          fail('something follows the end of the document')
      }
    }
    // A capture goes on in the next chunk, from its start.
    if (capture) grow(chunk.slice(from))
    yield* out
  }
  if (capture?.primitive && at !== 'end') {
    const part = finish()
    if (part) yield part
  }
  if (at !== 'end') fail('it ends before the document does')
}
