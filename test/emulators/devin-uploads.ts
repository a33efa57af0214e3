/**
 * The Devin emulator's attachment upload (`POST /v3/organizations/{org}/attachments`,
 * devin-api.md §1.9): multipart/form-data with a `file` field, answered with
 * `{attachment_id, name, url}`. As FastAPI does, a body it cannot parse is a 400, a missing or
 * non-file `file` a 422; a file over the limit is a 413 and a key without `UseDevinSessions`
 * a 403. Auth and the organization are checked by the emulator before this runs.
 *
 * The emulator records bodies as UTF-8 text, so a binary file's bytes are not kept exactly;
 * the action uploads only text.
 */

import { randomUUID } from 'node:crypto'
import { type Body, problem, validation } from './devin-replies.ts'
import type { EmuRequest, Reply } from './http.ts'
import { boundaryOf, readForm } from './multipart.ts'

export interface UploadedFile {
  attachment_id: string
  name: string
  content_type: string | null
  content: Buffer
  /** What the upload answered; what `attachment_urls` carries. */
  url: string
}

/** Large enough for any log the action sends; tests lower it to script a 413. */
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024

/** §1.4 `attachment_urls`: null or a list of 1 to 2,083-character strings. */
export function checkAttachmentUrls(body: Body): Reply | undefined {
  const urls = body.attachment_urls
  if (urls === undefined || urls === null) return undefined
  if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))
    return validation(['body', 'attachment_urls'], 'Input should be a valid list', 'list_type')
  const i = urls.findIndex((u) => u.length < 1 || u.length > 2083)
  if (i < 0) return undefined
  const msg = 'URL should have at least 1 and at most 2083 characters'
  return validation(['body', 'attachment_urls', i], msg, 'url_too_long')
}

/** An upload as a session lists it (§1.9): the user's, not Devin's. */
export function asAttachment(f: UploadedFile) {
  const { attachment_id, name, content_type, content } = f
  return { attachment_id, name, source: 'user', content_type, content }
}

const fileMissing = (): Reply => validation(['body', 'file'], 'Field required', 'missing')

export class DevinUploads {
  /** Every upload that was stored, oldest first. */
  readonly all: UploadedFile[] = []
  private denied = false
  private maxBytes = DEFAULT_MAX_BYTES

  /** From now on (or no longer), the key lacks `UseDevinSessions`: uploads answer 403. */
  denyUploads(deny = true): void {
    this.denied = deny
  }

  /** Files larger than this are refused with a 413. */
  limitUploads(maxBytes: number): void {
    this.maxBytes = maxBytes
  }

  /** The stored upload `url` names, if any. */
  byUrl(url: string): UploadedFile | undefined {
    return this.all.find((f) => f.url === url)
  }

  /** `urlFor` makes the download URL of a stored file; `keep` makes it downloadable there. */
  upload(
    req: EmuRequest,
    urlFor: (id: string, name: string) => string,
    keep: (f: UploadedFile) => void
  ): Reply {
    if (this.denied) {
      const detail = 'Service user lacks required permission UseDevinSessions'
      return problem(403, 'Forbidden', detail, req.path)
    }
    // Starlette reads no form from another content-type (so `file` is missing) and answers a
    // multipart body it cannot parse with a 400.
    const type = req.headers['content-type']
    const form = boundaryOf(type) ? readForm(type, Buffer.from(req.body, 'utf8')) : []
    if (typeof form === 'string') {
      return problem(400, 'Bad Request', `There was an error parsing the body: ${form}`, req.path)
    }
    const files = form.filter((p) => p.name === 'file')
    const file = files[0]
    if (file === undefined) return fileMissing()
    if (file.filename === undefined || files.length > 1) {
      const msg = "Value error, Expected UploadFile, received: <class 'str'>"
      return validation(['body', 'file'], msg, 'value_error')
    }
    if (file.data.length > this.maxBytes) {
      const detail = `File exceeds the maximum upload size of ${this.maxBytes} bytes`
      return problem(413, 'Payload Too Large', detail, req.path)
    }
    const id = randomUUID()
    const stored: UploadedFile = {
      attachment_id: id,
      name: file.filename,
      content_type: file.contentType ?? null,
      content: Buffer.from(file.data),
      url: urlFor(id, file.filename)
    }
    this.all.push(stored)
    keep(stored)
    const json = { attachment_id: id, name: stored.name, url: stored.url }
    return { status: 200, json }
  }
}
