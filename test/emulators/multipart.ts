/**
 * A strict multipart/form-data reader (RFC 7578) for the emulators: what a client sends is read
 * here, not by the library that wrote it, so a broken boundary or a missing CRLF shows up in a
 * test and not at Devin. No preamble is accepted and the closing delimiter is required.
 */

export interface FormPart {
  /** The `name` of its Content-Disposition. */
  name: string
  /** Set for a file part (even when empty); undefined for a plain field. */
  filename?: string
  contentType?: string
  data: Buffer
}

const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')

/** The boundary of a multipart/form-data content-type, or undefined for any other type. */
export function boundaryOf(contentType: string | string[] | undefined): string | undefined {
  const value = Array.isArray(contentType) ? contentType[0] : contentType
  const m = /^\s*multipart\/form-data\s*;(.*)$/i.exec(value ?? '')
  if (!m) return undefined
  const b = /(?:^|;)\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(m[1] ?? '')
  const boundary = b?.[1] ?? b?.[2]
  // RFC 2046: 1 to 70 characters.
  return boundary && boundary.length <= 70 ? boundary : undefined
}

/** Content-Disposition parameters (`name`, `filename`), quoted or not. */
function dispositionParams(value: string): Record<string, string> | undefined {
  const [kind, ...rest] = value.split(';')
  if (kind?.trim().toLowerCase() !== 'form-data') return undefined
  const out: Record<string, string> = {}
  const re = /^\s*([a-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^";]*))\s*$/i
  for (const p of rest.join(';').match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    const m = re.exec(p)
    if (!m) return undefined
    out[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? ''
  }
  return out
}

function parsePart(raw: Buffer): FormPart | string {
  const end = raw.indexOf(HEADER_END)
  if (end < 0) return 'a part has no blank line after its headers'
  const headers = new Map<string, string>()
  for (const line of raw.subarray(0, end).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) return `a part has a malformed header line: ${JSON.stringify(line)}`
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const disposition = headers.get('content-disposition')
  const params = disposition === undefined ? undefined : dispositionParams(disposition)
  if (params?.name === undefined) return 'a part has no Content-Disposition: form-data; name=…'
  return {
    name: params.name,
    ...(params.filename === undefined ? {} : { filename: params.filename }),
    ...(headers.has('content-type') ? { contentType: headers.get('content-type') } : {}),
    data: raw.subarray(end + HEADER_END.length)
  }
}

/** The parts in order, or what is wrong with the body. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | string {
  const dash = Buffer.from(`--${boundary}`)
  const between = Buffer.concat([CRLF, dash])
  if (!body.subarray(0, dash.length).equals(dash)) return 'the body does not open with its boundary'
  const parts: FormPart[] = []
  let pos = dash.length
  for (;;) {
    const after = body.subarray(pos, pos + 2).toString('latin1')
    if (after === '--') return parts
    if (after !== '\r\n') return 'a boundary line is not followed by CRLF or --'
    const next = body.indexOf(between, pos + 2)
    if (next < 0) return 'the closing boundary is missing'
    const part = parsePart(body.subarray(pos + 2, next))
    if (typeof part === 'string') return part
    parts.push(part)
    pos = next + between.length
  }
}

/** Reads a request's form: its parts, or what is wrong (no multipart type, a broken body). */
export function readForm(
  contentType: string | string[] | undefined,
  body: Buffer
): FormPart[] | string {
  const boundary = boundaryOf(contentType)
  if (boundary === undefined) return 'the content-type is not multipart/form-data with a boundary'
  return parseMultipart(body, boundary)
}
