import {
  getMultipartBoundary, MaxFileSizeExceededError, MaxHeaderSizeExceededError, MaxTotalSizeExceededError, MultipartParser, type MultipartPart,
} from '@remix-run/multipart-parser'
import { HTTPException } from 'hono/http-exception'
import { formatBytes } from '../lib/bytes.ts'

/**
 * Multipart forms, read part by part as the body streams in and refused the
 * moment they pass a limit: the rest of the body is never read. The cost of
 * a form is bounded by its limits, not by what a client sends: at most
 * `files` + MAX_FORM_FIELDS + 1 parts are ever parsed, a part's headers are
 * at most MAX_PART_HEADER_BYTES, and what is held in memory is the files
 * (at most `fileBytes` together, which the caller hands on as `File`s) plus
 * MAX_FORM_TEXT_BYTES of text. The body's own byte cap is limitBody's
 * (http/security.ts), which counts a body of unknown length as it is read here.
 */

export type Form = Record<string, string | File | (string | File)[]>

/** Text fields one form may have; ours have a handful. */
export const MAX_FORM_FIELDS = 20
/** All text fields of one form together: a form's worth, as the body cap allows beside files (MAX_BODY_BYTES). */
export const MAX_FORM_TEXT_BYTES = 64 * 1024
/** One part's headers (its name, file name and type). */
export const MAX_PART_HEADER_BYTES = 8 * 1024

/** What files a form may carry: how many parts, and how many bytes all of them together. */
export interface FileLimits {
  files: number
  fileBytes: number
}

/** Forms of every route but the send: no files at all. */
export const NO_FILES: FileLimits = { files: 0, fileBytes: 0 }

/** A form refused for a limit; `fields` are the text fields read before it, so a composer can keep its draft. */
export class FormRefused extends HTTPException {
  constructor(status: 400 | 413 | 422, message: string, readonly fields: Form) {
    super(status, { message, cause: { code: 'FORM_LIMIT' } })
  }
}

export const badForm = () => new HTTPException(400, { message: 'The form could not be read.', cause: { code: 'BAD_FORM' } })

/** Adds one value as `parseBody` would: repeated names (or a `[]` suffix) as arrays with `all`, else the last. */
export function addField(form: Form, name: string, value: string | File, all: boolean): void {
  const known = form[name]
  if (!all && !name.endsWith('[]')) form[name] = value
  else if (known === undefined) form[name] = name.endsWith('[]') ? [value] : value
  else if (Array.isArray(known)) known.push(value)
  else form[name] = [known, value]
}

/**
 * The fields of a `multipart/form-data` request. The first part past a limit
 * stops the reading: the file after the last allowed one (422), a field past
 * MAX_FORM_FIELDS or text past MAX_FORM_TEXT_BYTES (413), part headers past
 * MAX_PART_HEADER_BYTES (413). A body that is no readable multipart is 400.
 */
export async function readMultipart(request: Request, { files, fileBytes }: FileLimits, all: boolean): Promise<Form> {
  const boundary = getMultipartBoundary(request.headers.get('content-type') ?? '')
  if (!boundary || !request.body) throw badForm()
  const contentBytes = fileBytes + MAX_FORM_TEXT_BYTES
  const parser = new MultipartParser(boundary, {
    maxHeaderSize: MAX_PART_HEADER_BYTES, maxFileSize: contentBytes, maxTotalSize: contentBytes, maxParts: files + MAX_FORM_FIELDS + 1,
  })
  const form: Form = Object.create(null) as Form
  let fileParts = 0
  let fields = 0
  let textBytes = 0
  const take = (part: MultipartPart) => {
    const name = part.name
    if (!name) throw badForm()
    if (part.isFile) {
      if (++fileParts > files) {
        throw files === 0
          ? new FormRefused(400, 'This form takes no files.', form)
          : new FormRefused(422, `A message can carry at most ${files} files; this one has more.`, form)
      }
      addField(form, name, new File(part.content as Uint8Array<ArrayBuffer>[], part.filename ?? '', { type: part.mediaType ?? '' }), all)
      return
    }
    if (++fields > MAX_FORM_FIELDS) throw new FormRefused(413, `That form has too many fields: at most ${MAX_FORM_FIELDS}.`, form)
    textBytes += part.size
    if (textBytes > MAX_FORM_TEXT_BYTES) throw new FormRefused(413, `That form's text is too long: at most ${formatBytes(MAX_FORM_TEXT_BYTES)} in all.`, form)
    addField(form, name, part.text, all)
  }
  // `finish` throws until the closing boundary was seen: past it the body is done, whatever follows (an epilogue).
  const closed = () => {
    try {
      parser.finish()
      return true
    } catch {
      return false
    }
  }
  const reader = request.body.getReader()
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      for (const part of parser.write(chunk.value)) take(part)
      if (closed()) return form
    }
    throw badForm()
  } catch (err) {
    throw refusal(err, form, files)
  } finally {
    reader.releaseLock()
  }
}

function refusal(err: unknown, form: Form, files: number): HTTPException {
  if (err instanceof FormRefused) return err
  // The body cap, counted as the body streamed in (limitBody).
  if (err instanceof HTTPException && err.status === 413) return new FormRefused(413, err.message, form)
  if (err instanceof HTTPException) return err
  if (err instanceof MaxHeaderSizeExceededError) return new FormRefused(413, `A part of that form has headers over ${formatBytes(MAX_PART_HEADER_BYTES)}.`, form)
  if (err instanceof MaxFileSizeExceededError || err instanceof MaxTotalSizeExceededError) {
    return new FormRefused(413, files === 0 ? 'That request is too large.' : 'That upload is too large.', form)
  }
  // Not multipart (no opening boundary, cut short), text that is not UTF-8, a client gone mid-body.
  return badForm()
}
