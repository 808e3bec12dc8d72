import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { NUL_REFUSAL } from '../messages/validate.ts'
import { addField, badForm, NO_FILES, readMultipart, type FileLimits, type Form } from './multipart.ts'

export type { Form } from './multipart.ts'

const refuseNul = () => new HTTPException(400, { message: NUL_REFUSAL, cause: { code: 'NUL' } })

/** True when any text in a form value, a file's name or parsed JSON holds U+0000. */
export function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0')
  if (value instanceof File) return value.name.includes('\0')
  if (Array.isArray(value)) return value.some(holdsNul)
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([k, v]) => k.includes('\0') || holdsNul(v))
  return false
}

/**
 * The request's form fields. A body that is not a readable form (a broken
 * multipart body, a boundary missing) is the client's mistake: 400 with a
 * short reason, never a 500 with a stack; so is text holding U+0000, which
 * no store keeps. Size refusals (413) pass through. A multipart body is read
 * as it streams, within its limits (http/multipart.ts): by default no files.
 */
export async function readForm(c: Context, { all = false, files = NO_FILES }: { all?: boolean; files?: FileLimits } = {}): Promise<Form> {
  // No body at all is an empty form; a body of another kind (JSON, plain text) is not a form.
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== '' && type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') throw badForm()
  let form: Form
  try {
    // A url-encoded body (every form without files) is parsed from its text: the web FormData path costs far more.
    form = type === 'multipart/form-data' ? lastOf(await multipartOf(c, files), all) : fieldsOf(await c.req.text(), all)
  } catch (err) {
    if (err instanceof HTTPException) throw err
    throw badForm()
  }
  if (holdsNul(form)) throw refuseNul()
  return form
}

/** A multipart body streams once: a route that reads its form again (to redirect back) gets the first reading. */
const multipartRead = new WeakMap<Request, Promise<Form>>()
function multipartOf(c: Context, files: FileLimits): Promise<Form> {
  let read = multipartRead.get(c.req.raw)
  if (!read) multipartRead.set(c.req.raw, read = readMultipart(c.req.raw, files, true))
  return read
}

/** Without `all`, a repeated name (unless it ends in `[]`) is its last value, as `parseBody` gives it. */
function lastOf(form: Form, all: boolean): Form {
  if (all) return form
  const last: Form = Object.create(null) as Form
  for (const [name, value] of Object.entries(form)) last[name] = Array.isArray(value) && !name.endsWith('[]') ? value.at(-1)! : value
  return last
}

/** The fields of a url-encoded body, as `parseBody` gives them. */
function fieldsOf(text: string, all: boolean): Form {
  const form: Form = Object.create(null) as Form
  for (const [name, value] of new URLSearchParams(text)) addField(form, name, value, all)
  return form
}

/** An address holding U+0000 (`%00` in its path or query) is refused before any route reads it. */
export const refuseNulInUrl: MiddlewareHandler = async (c, next) => {
  if (/%00/.test(c.req.url)) throw refuseNul()
  await next()
}

/** Every value of repeated fields (several `file` parts) as an array; `files` says how many files it may carry. */
export const readAllForm = (c: Context, files?: FileLimits) => readForm(c, { all: true, files })

/** A text field, trimmed; anything else (missing, a file) is ''. */
export const textField = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '')
