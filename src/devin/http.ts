/**
 * One HTTP attempt for the Devin client, on Node's built-in `fetch` (undici, as shipped inside
 * Node). The npm `undici` package is the same client, but bundling it costs ~40 ms of start-up
 * on every workflow run for nothing this action needs; Node's copy is already compiled in.
 */

export interface HttpAttempt {
  headers: Record<string, string>
  body?: string
  /** Headers and body together. */
  timeoutMs: number
  maxBytes: number
}

export interface HttpAnswer {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  body: Buffer
}

/** The body was larger than allowed; the caller turns this into a typed error. */
export class BodyTooLargeError extends Error {
  constructor(readonly status: number) {
    super('response body too large')
  }
}

/** No HTTP answer at all: refused, reset, DNS, or the timeout fired. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly timedOut: boolean
  ) {
    super(message)
  }
}

function causeCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } }
  for (const v of [e?.cause?.code, e?.code, e?.cause?.name, e?.name]) {
    if (typeof v === 'string' && v !== 'Error' && v !== 'TypeError') return v
  }
  return 'UNKNOWN'
}

function causeMessage(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } }
  const m = e?.cause?.message ?? e?.message
  return typeof m === 'string' ? m : String(err)
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined)
    throw new BodyTooLargeError(res.status)
  }
  if (!res.body) return Buffer.alloc(0)
  const chunks: Buffer[] = []
  let size = 0
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new BodyTooLargeError(res.status)
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))
  }
  return Buffer.concat(chunks)
}

/** Sends one request, never following redirects (the caller decides where credentials go). */
export async function sendOnce(method: string, url: URL, o: HttpAttempt): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(o.timeoutMs)
  try {
    const res = await fetch(url, {
      method,
      headers: o.headers,
      body: o.body,
      redirect: 'manual',
      signal
    })
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => {
      headers[name] = value
    })
    return { status: res.status, headers, body: await readCapped(res, o.maxBytes) }
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err
    const timedOut = signal.aborted
    throw new TransportError(
      timedOut ? 'timed out' : causeMessage(err),
      timedOut ? 'TIMEOUT' : causeCode(err),
      timedOut
    )
  }
}
