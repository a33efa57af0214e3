/**
 * One HTTP attempt for the Devin client, with undici's `request` on the dispatcher both clients
 * share (../net/dispatcher.ts). Node's built-in `fetch` ignores `HTTPS_PROXY` unless the job sets
 * `NODE_USE_ENV_PROXY=1`, so behind a proxy every Devin call failed; the shared dispatcher
 * honours the runner's proxy variables and gives both clients the same timeouts.
 */
import type { Dispatcher, FormData } from 'undici'
import { findProxyError } from '../net/proxy.js'

export interface HttpAttempt {
  dispatcher: Dispatcher
  headers: Record<string, string>
  /** A form is sent as multipart/form-data; undici writes its boundary into the content-type. */
  body?: string | FormData
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

/** No HTTP answer at all: refused, reset, DNS, the proxy, or the timeout fired. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly timedOut: boolean,
    /** Failed at the proxy (named in the message), not at Devin. */
    readonly atProxy = false,
    /** The proxy refused (a 4xx): sending again gets the same answer. */
    readonly proxyRefused = false
  ) {
    super(message)
  }
}

function causeCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } }
  for (const v of [e?.code, e?.cause?.code, e?.name, e?.cause?.name]) {
    if (typeof v === 'string' && v !== 'Error' && v !== 'TypeError') return v
  }
  return 'UNKNOWN'
}

function causeMessage(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } }
  const m = e?.message ?? e?.cause?.message
  return typeof m === 'string' ? m : String(err)
}

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined)
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  status: number,
  declared: number,
  maxBytes: number
): Promise<Buffer> {
  // Destroying the body to stop reading it emits an abort error nobody else listens for.
  body.on('error', () => undefined)
  if (declared > maxBytes) {
    body.destroy()
    throw new BodyTooLargeError(status)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > maxBytes) {
      body.destroy()
      throw new BodyTooLargeError(status)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** Sends one request, never following redirects (the caller decides where credentials go). */
export async function sendOnce(method: string, url: URL, o: HttpAttempt): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(o.timeoutMs)
  try {
    const res = await o.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: method as Dispatcher.HttpMethod,
      headers: o.headers,
      body: o.body,
      signal
    })
    const headers = flatHeaders(res.headers)
    const declared = Number(headers['content-length'] ?? NaN)
    return {
      status: res.statusCode,
      headers,
      body: await readCapped(res.body, res.statusCode, declared, o.maxBytes)
    }
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err
    if (signal.aborted) throw new TransportError('timed out', 'TIMEOUT', true)
    const proxy = findProxyError(err)
    if (proxy) throw new TransportError(proxy.message, proxy.code, false, true, proxy.refused)
    throw new TransportError(causeMessage(err), causeCode(err), false)
  }
}
