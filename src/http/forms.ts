import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'

export type Form = Record<string, string | File | (string | File)[]>

/**
 * The request's form fields. A body that is not a readable form (a broken
 * multipart body, a boundary missing) is the client's mistake: 400 with a
 * short reason, never a 500 with a stack. Size refusals (413) pass through.
 */
export async function readForm(c: Context, { all = false } = {}): Promise<Form> {
  try {
    return await c.req.parseBody({ all })
  } catch (err) {
    if (err instanceof HTTPException) throw err
    throw new HTTPException(400, { message: 'The form could not be read.', cause: { code: 'BAD_FORM' } })
  }
}

/** Every value of repeated fields (several `file` parts) as an array. */
export const readAllForm = (c: Context) => readForm(c, { all: true })

/** A text field, trimmed; anything else (missing, a file) is ''. */
export const textField = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '')
