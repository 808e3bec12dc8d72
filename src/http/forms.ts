import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { NUL_REFUSAL } from '../messages/validate.ts'

export type Form = Record<string, string | File | (string | File)[]>

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
 * no store keeps. Size refusals (413) pass through.
 */
export async function readForm(c: Context, { all = false } = {}): Promise<Form> {
  // No body at all is an empty form; a body of another kind (JSON, plain text) is not a form.
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== '' && type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new HTTPException(400, { message: 'The form could not be read.', cause: { code: 'BAD_FORM' } })
  }
  let form: Form
  try {
    // A url-encoded body (every form without files) is parsed from its text: the web FormData path costs far more.
    form = type === 'application/x-www-form-urlencoded' ? fieldsOf(await c.req.text(), all) : await c.req.parseBody({ all })
  } catch (err) {
    if (err instanceof HTTPException) throw err
    throw new HTTPException(400, { message: 'The form could not be read.', cause: { code: 'BAD_FORM' } })
  }
  if (holdsNul(form)) throw refuseNul()
  return form
}

/** The fields of a url-encoded body, as `parseBody` gives them: repeated names (or a `[]` suffix) as arrays with `all`, else the last. */
function fieldsOf(text: string, all: boolean): Form {
  const form: Form = Object.create(null) as Form
  for (const [name, value] of new URLSearchParams(text)) {
    const known = form[name]
    if (!all && !name.endsWith('[]')) form[name] = value
    else if (known === undefined) form[name] = name.endsWith('[]') ? [value] : value
    else if (Array.isArray(known)) known.push(value)
    else form[name] = [known, value]
  }
  return form
}

/** An address holding U+0000 (`%00` in its path or query) is refused before any route reads it. */
export const refuseNulInUrl: MiddlewareHandler = async (c, next) => {
  if (/%00/.test(c.req.url)) throw refuseNul()
  await next()
}

/** Every value of repeated fields (several `file` parts) as an array. */
export const readAllForm = (c: Context) => readForm(c, { all: true })

/** A text field, trimmed; anything else (missing, a file) is ''. */
export const textField = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '')
