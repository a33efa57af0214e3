/**
 * The Devin client's errors: their types, the text of an error answer (problem+json `detail`,
 * FastAPI validation lists, or an excerpt of text/HTML), and how each kind of failure is told,
 * always without the API key.
 */
import { STATUS_CODES } from 'node:http'
import { errorText, scrubSecret } from '../hygiene/scrub.js'
import { isObject, str } from './types.js'

const MAX_DETAIL_CHARS = 500

function oneLine(text: string, max = MAX_DETAIL_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** FastAPI `[{loc, msg}]` (or problem+json `errors`) → `body.prompt: field required; …`. */
function formatFieldErrors(items: unknown[]): string {
  const parts: string[] = []
  for (const item of items) {
    if (typeof item === 'string') {
      parts.push(item)
      continue
    }
    if (!isObject(item)) continue
    const loc = Array.isArray(item.loc)
      ? item.loc.map(String).join('.')
      : (str(item.field) ?? str(item.pointer) ?? str(item.name) ?? '')
    const msg = str(item.msg) ?? str(item.message) ?? str(item.detail) ?? JSON.stringify(item)
    parts.push(loc ? `${loc}: ${msg}` : msg)
  }
  return parts.join('; ')
}

function detailFromJson(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return formatFieldErrors(value)
  if (!isObject(value)) return JSON.stringify(value)
  const fieldErrors = Array.isArray(value.errors) ? formatFieldErrors(value.errors) : ''
  const d = value.detail
  let main: string
  if (typeof d === 'string' && d.trim() !== '') main = d
  else if (Array.isArray(d)) main = formatFieldErrors(d)
  else if (isObject(d)) main = str(d.msg) ?? str(d.message) ?? JSON.stringify(d)
  else main = str(value.title) ?? str(value.message) ?? str(value.error) ?? ''
  if (fieldErrors && !main.includes(fieldErrors))
    main = main ? `${main}: ${fieldErrors}` : fieldErrors
  return main || JSON.stringify(value)
}

function textFromHtml(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]
  const body = html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
  const t = title ? oneLine(title) : ''
  const b = oneLine(body)
  if (!t) return b
  return b.startsWith(t) ? b : `${t} — ${b}`
}

/**
 * A short, single-line description of an error response body: problem+json `detail` (else
 * `title`), FastAPI validation lists, or an excerpt of text/HTML. Empty string for an empty body.
 */
export function errorDetailFromBody(text: string): string {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"')) {
    try {
      return oneLine(detailFromJson(JSON.parse(trimmed)))
    } catch {
      // Not JSON after all; fall through to the text excerpt.
    }
  }
  if (/^<(!doctype|html|head|body)|<\/\w+>/i.test(trimmed))
    return oneLine(textFromHtml(trimmed), 200)
  return oneLine(trimmed, 200)
}

/** The API answered with an error status (or an unusable success body). */
export class DevinApiError extends Error {
  readonly status: number
  readonly detail: string
  readonly method: string
  /** The URL asked for, origin and path (no query string), as the message shows it. */
  readonly path: string
  constructor(
    message: string,
    f: { status: number; detail: string; method: string; path: string }
  ) {
    super(message)
    this.name = 'DevinApiError'
    this.status = f.status
    this.detail = f.detail
    this.method = f.method
    this.path = f.path
  }
}

/** A 2xx whose body is not what the API promises (bad JSON, no session id, too large). */
export class DevinMalformedResponseError extends DevinApiError {
  override name = 'DevinMalformedResponseError'
}

/** No HTTP answer: connection refused/reset/dropped, DNS, or the per-attempt timeout. */
export class DevinNetworkError extends Error {
  override name = 'DevinNetworkError'
  readonly method: string
  /** The URL asked for, origin and path (no query string), as the message shows it. */
  readonly path: string
  readonly code: string
  readonly timedOut: boolean
  /**
   * The request never got past the proxy (it could not be reached, or it answered the CONNECT
   * with an error): Devin did not see it, so sending it again cannot duplicate anything.
   */
  readonly unsent: boolean
  constructor(
    message: string,
    f: { method: string; path: string; code: string; timedOut: boolean; unsent?: boolean }
  ) {
    super(message)
    this.method = f.method
    this.path = f.path
    this.code = f.code
    this.timedOut = f.timedOut
    this.unsent = f.unsent ?? false
  }
}

/** The user's configuration cannot work (e.g. no org id can be found). */
export class DevinConfigError extends Error {
  override name = 'DevinConfigError'
}

export const ERROR_HINTS: Record<number, string> = {
  401: 'Check the api-key input: it must be a valid Devin v3 API key (cog_…); legacy apk_ keys only work with the v1 API.',
  403: 'The key lacks a permission this call needs (ManageOrgSessions to create, message or stop sessions; ViewOrgSessions to read them), or org-id names an organization the key cannot access.',
  404: 'Check org-id, the session id and api-url.'
}

/**
 * Hints for the pr-reviews endpoints (Devin Review), which need their own permission; a 404 on
 * the POST means Devin cannot reach the repository. A 404 on the GET is "no review" and is
 * not an error for the client, so only a stray one gets the plain hint.
 */
export const REVIEW_HINTS = {
  403:
    "The key's service user needs the UseReviewManual permission (Devin → Settings → Service " +
    'users), or org-id names an organization the key cannot access.',
  404:
    'The repository is not connected to Devin: in Devin → Settings → Integrations → GitHub, ' +
    "install Devin's GitHub App for the organization and give it access to this repository (for " +
    'GitHub Enterprise Server, the same integration for that server), then run again. If it is ' +
    'connected, check org-id and api-url.',
  read404: 'Check org-id and api-url.'
} as const

/** Uploads (§1.9) need their own permission, which the plain 403 hint does not name. */
export const UPLOAD_HINTS = {
  403:
    "The key's service user needs the UseDevinSessions permission to upload files (Devin → " +
    'Settings → Service users), or org-id names an organization the key cannot access.'
} as const

/** The hint for an error answer from the API itself, by what was asked. */
function hintFor(method: string, path: string, status: number): string | undefined {
  if (status === 403 && /\/organizations\/[^/]+\/attachments$/.test(path)) return UPLOAD_HINTS[403]
  if (!/\/pr-reviews$/.test(path)) return ERROR_HINTS[status]
  if (status === 403) return REVIEW_HINTS[403]
  if (status === 404) return method === 'POST' ? REVIEW_HINTS[404] : REVIEW_HINTS.read404
  return ERROR_HINTS[status]
}

/**
 * Whether a failed create may nonetheless have created what it asked for (a session, a review).
 * One that failed at the proxy did not: nothing reached Devin.
 */
export function isUnknownOutcome(err: unknown): err is Error {
  if (err instanceof DevinNetworkError) return !err.unsent
  if (err instanceof DevinMalformedResponseError) return true
  return err instanceof DevinApiError && (err.status >= 500 || err.status === 408)
}

/** A 2xx (or a redirect) whose body is not what the API promises. */
export function malformedError(
  apiKey: string,
  f: { method: string; path: string; status: number; detail: string }
): DevinApiError {
  const d = scrubSecret(apiKey, f.detail)
  const msg = `Devin API ${f.method} ${f.path} returned an unusable response (${f.status}): ${d}`
  return new DevinMalformedResponseError(msg, { ...f, detail: d })
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } }
    if (typeof e.code === 'string') return e.code
    if (typeof e.cause?.code === 'string') return e.cause.code
    if (typeof e.name === 'string') return e.name
  }
  return 'UNKNOWN'
}

/** No HTTP answer: refused, reset, DNS, or the per-attempt timeout fired. */
export function networkError(
  apiKey: string,
  f: { method: string; path: string; err: unknown; aborted: boolean; timeoutMs: number }
): DevinNetworkError {
  const code = errorCode(f.err)
  const timedOut = f.aborted || /TIMEOUT/.test(code)
  const why = timedOut
    ? `timed out after ${f.timeoutMs} ms`
    : `network error (${code}: ${errorText(f.err)})`
  const msg = scrubSecret(apiKey, `Devin API ${f.method} ${f.path} failed: ${why}`)
  return new DevinNetworkError(msg, { method: f.method, path: f.path, code, timedOut })
}

/**
 * An error status: the status, its reason, Devin's `detail`, and a hint for the usual causes of
 * that status on that path.
 */
export function statusError(
  apiKey: string,
  f: { method: string; path: string; status: number; body: Buffer; fromApi: boolean }
): DevinApiError {
  const detail = scrubSecret(
    apiKey,
    errorDetailFromBody(scrubSecret(apiKey, f.body.toString('utf8')))
  )
  const reason = STATUS_CODES[f.status] ?? 'Error'
  let msg = `Devin API ${f.method} ${f.path} failed: ${f.status} ${reason}`
  if (detail) msg += `: ${detail}`
  const hint = f.fromApi ? hintFor(f.method, f.path, f.status) : undefined
  if (hint) msg += /[.!?]$/.test(msg) ? ` ${hint}` : `. ${hint}`
  return new DevinApiError(msg, { status: f.status, detail, method: f.method, path: f.path })
}
