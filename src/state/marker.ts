/**
 * The report, hidden in the sticky comment's last line, so that a `mode: sync` run can re-render
 * the whole comment (who asked, the handoff, the run link) from the comment alone, with no other
 * storage. Base64url, so that nothing inside can close the HTML comment; bounded, so that it never
 * crowds the comment out of GitHub's size limit.
 *
 * A comment is text anyone with write access to the PR may have edited, and a sync run trusts
 * nothing it did not check: {@link decodeState} accepts only the exact shape below, or nothing.
 * Versions: `v` 1 is this shape. A later version may add fields (this reader ignores them) but
 * never change the meaning of one; a change of meaning takes a new marker name.
 */
import { capUnits } from '../egress/caps.js'
import { scrubCredentialShapes } from '../hygiene/scrub.js'
import {
  PHASES,
  RESULTS,
  type HandedOff,
  type HandoffSummary,
  type Report,
  type ReviewView,
  type SessionView,
  type TimelineEntry
} from './run-state.js'

export const STATE_PREFIX = '<!-- devin-handoff-state:'
const STATE_SUFFIX = ' -->'
export const STATE_VERSION = 1

/** The whole line at most: a few KB in a comment of up to 64 K. */
export const MAX_STATE_CHARS = 8 * 1024
const TIMELINE_KEPT = 10
const MESSAGE_CHARS = 2_000

/** Any other string, and how many entries a list keeps, at each try to fit. */
const FITS: ReadonlyArray<{ timeline: boolean; message: boolean; chars: number; items: number }> = [
  { timeline: true, message: true, chars: 1_000, items: 20 },
  { timeline: false, message: true, chars: 1_000, items: 20 },
  { timeline: false, message: false, chars: 1_000, items: 20 },
  { timeline: false, message: false, chars: 200, items: 5 },
  { timeline: false, message: false, chars: 40, items: 2 }
]

/**
 * The state line for `report`: without structured output or a pending start, the timeline cut to
 * its last entries and Devin's message to 2,000 characters, and then, if it still does not fit,
 * the timeline dropped, then the message, then every text shortened. `scrub` takes credentials out
 * of every string first: the gate scrubs the comment's text, but cannot see into base64.
 */
export function encodeState(r: Report, scrub: (text: string) => string = (t) => t): string {
  let line = ''
  for (const fit of FITS) {
    line = lineOf(stateOf(r, fit, (t) => scrubCredentialShapes(scrub(t))))
    if (line.length <= MAX_STATE_CHARS) break
  }
  return line
}

function lineOf(report: Report): string {
  const json = JSON.stringify({ v: STATE_VERSION, report })
  return `${STATE_PREFIX}${Buffer.from(json, 'utf8').toString('base64url')}${STATE_SUFFIX}`
}

function stateOf(r: Report, fit: (typeof FITS)[number], scrub: (t: string) => string): Report {
  // Control characters carry no meaning here and cost six bytes each in JSON; line breaks stay.
  const str = (t: string, max = fit.chars): string =>
    capUnits(scrub(t).replace(/[^\P{Cc}\n\r\t]/gu, ''), max)
  const opt = (t: string | undefined): string | undefined => (t === undefined ? undefined : str(t))
  const list = (xs: readonly string[]): string[] => xs.slice(0, fit.items).map((x) => str(x))
  const s = r.session
  const v = r.review
  const out: Report = {
    phase: r.phase,
    mode: r.mode,
    review: v && {
      prUrl: str(v.prUrl),
      commitSha: str(v.commitSha, 64),
      status: str(v.status, 40),
      createdAt: opt(v.createdAt)
    },
    result: r.result,
    skipReason: opt(r.skipReason),
    session: s && {
      id: str(s.id),
      url: str(s.url),
      status: str(s.status),
      detail: str(s.detail),
      title: opt(s.title),
      acus: s.acus,
      pullRequests: list(s.pullRequests)
    },
    handoff: r.handoff && summaryOf(r.handoff, str),
    handedOff: handedOffOf(r.handedOff, scrub),
    slug: str(r.slug),
    prNumber: r.prNumber,
    headRef: opt(r.headRef),
    startedAt: r.startedAt,
    updatedAt: r.updatedAt,
    runUrl: str(r.runUrl),
    commentKey: str(r.commentKey),
    timeline: fit.timeline
      ? r.timeline.slice(-TIMELINE_KEPT).map((t) => ({ at: t.at, text: str(t.text, 200) }))
      : [],
    note: opt(r.note),
    cancelled: r.cancelled,
    error: opt(r.error),
    commentUrl: opt(r.commentUrl),
    attachments: list(r.attachments),
    wait: r.wait && { ...r.wait },
    answered: r.answered,
    requestedBy: r.requestedBy && {
      login: str(r.requestedBy.login, 100),
      text: str(r.requestedBy.text)
    },
    lastMessage:
      fit.message && r.lastMessage !== undefined ? str(r.lastMessage, MESSAGE_CHARS) : undefined,
    checkRunUrl: opt(r.checkRunUrl),
    checkRunId: r.checkRunId,
    syncedAt: r.syncedAt
  }
  return out
}

/**
 * Where the next incremental handoff starts: kept whole or not at all, never shortened (a cut id
 * would name another session or nothing). Written only in the shape the reader accepts, so that
 * a bad value loses only this field, not the whole state line.
 */
function handedOffOf(
  h: HandedOff | undefined,
  scrub: (t: string) => string
): HandedOff | undefined {
  if (!h || !isSessionId(h.sessionId) || !isHeadSha(h.headSha)) return undefined
  if (scrub(h.sessionId) !== h.sessionId) return undefined
  return { sessionId: h.sessionId, headSha: h.headSha }
}

function summaryOf(h: HandoffSummary, str: (t: string) => string): HandoffSummary {
  const { since, ...rest } = h
  return { ...rest, source: str(h.source), ...(since && isHeadSha(since) ? { since } : {}) }
}

// A Devin session id as the API gives it (`devin-` and hex); bounded, and with nothing that could
// leave a URL path segment or hold a key's `cog_` shape.
const SESSION_ID = /^devin-[A-Za-z0-9-]{1,100}$/
// A commit id exactly as git prints it: the incremental packer hands it to git.
const HEAD_SHA = /^[0-9a-f]{40}$/
const isSessionId = (v: string): boolean => SESSION_ID.test(v)
const isHeadSha = (v: string): boolean => HEAD_SHA.test(v)

// ---- decoding: the exact shape, or nothing ----

const STATE_LINE = /^<!-- devin-handoff-state:([A-Za-z0-9_-]{1,12000}) -->$/

/** Thrown by the validator; {@link decodeState} turns any failure into `undefined`. */
class Invalid extends Error {}

/** The report in a comment's state line (its last line), or undefined for anything else. */
export function decodeState(commentBody: string): Report | undefined {
  const last = commentBody.trimEnd().split('\n').pop() ?? ''
  const m = STATE_LINE.exec(last)
  if (!m) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(m[1] as string, 'base64url').toString('utf8'))
    const top = obj(value)
    const v = top.v
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < STATE_VERSION) return undefined
    return report(obj(top.report))
  } catch {
    // Invalid, or not JSON at all: a comment edited by hand, or forged.
    return undefined
  }
}

type Obj = Record<string, unknown>

function obj(v: unknown): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Invalid()
  return v as Obj
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new Invalid()
  return v
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid()
  return v
}

function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Invalid()
  return v
}

function count(v: unknown): number {
  const n = num(v)
  if (!Number.isSafeInteger(n) || n < 0) throw new Invalid()
  return n
}

/** An optional field: absent (or null) is undefined, anything else must be valid. */
function opt<T>(v: unknown, read: (v: unknown) => T): T | undefined {
  return v === undefined || v === null ? undefined : read(v)
}

function arr<T>(v: unknown, read: (v: unknown) => T): T[] {
  if (!Array.isArray(v)) throw new Invalid()
  return v.map(read)
}

function oneOf<T extends string>(allowed: readonly T[]): (v: unknown) => T {
  return (v) => {
    if (!allowed.includes(v as T)) throw new Invalid()
    return v as T
  }
}

function session(v: unknown): SessionView {
  const o = obj(v)
  return {
    id: str(o.id),
    url: str(o.url),
    status: str(o.status),
    detail: str(o.detail),
    title: opt(o.title, str),
    acus: opt(o.acus, num),
    pullRequests: arr(o.pullRequests, str)
  }
}

function review(v: unknown): ReviewView {
  const o = obj(v)
  return {
    prUrl: str(o.prUrl),
    commitSha: str(o.commitSha),
    status: str(o.status),
    createdAt: opt(o.createdAt, str)
  }
}

function handoff(v: unknown): HandoffSummary {
  const o = obj(v)
  return {
    promptBytes: count(o.promptBytes),
    files: count(o.files),
    source: str(o.source),
    truncated: bool(o.truncated),
    omitted: count(o.omitted),
    redactions: count(o.redactions),
    since: opt(o.since, sha)
  }
}

function sha(v: unknown): string {
  const s = str(v)
  if (!isHeadSha(s)) throw new Invalid()
  return s
}

function handedOff(v: unknown): HandedOff {
  const o = obj(v)
  const sessionId = str(o.sessionId)
  if (!isSessionId(sessionId)) throw new Invalid()
  return { sessionId, headSha: sha(o.headSha) }
}

function entry(v: unknown): TimelineEntry {
  const o = obj(v)
  return { at: num(o.at), text: str(o.text) }
}

function waited(v: unknown): NonNullable<Report['wait']> {
  const o = obj(v)
  return { startedAt: num(o.startedAt), endedAt: opt(o.endedAt, num), polls: count(o.polls) }
}

function requester(v: unknown): NonNullable<Report['requestedBy']> {
  const o = obj(v)
  return { login: str(o.login), text: str(o.text) }
}

function positive(v: unknown): number {
  const n = count(v)
  if (n < 1) throw new Invalid()
  return n
}

function report(o: Obj): Report {
  const r: Report = {
    phase: oneOf(PHASES)(o.phase),
    mode: opt(o.mode, oneOf(['review'] as const)),
    review: opt(o.review, review),
    result: opt(o.result, oneOf(RESULTS)),
    skipReason: opt(o.skipReason, str),
    session: opt(o.session, session),
    handoff: opt(o.handoff, handoff),
    handedOff: opt(o.handedOff, handedOff),
    slug: str(o.slug),
    prNumber: opt(o.prNumber, positive),
    headRef: opt(o.headRef, str),
    startedAt: num(o.startedAt),
    updatedAt: num(o.updatedAt),
    runUrl: str(o.runUrl),
    commentKey: str(o.commentKey),
    timeline: arr(o.timeline, entry),
    note: opt(o.note, str),
    cancelled: opt(o.cancelled, bool),
    error: opt(o.error, str),
    commentUrl: opt(o.commentUrl, str),
    attachments: arr(o.attachments, str),
    wait: opt(o.wait, waited),
    answered: opt(o.answered, bool),
    requestedBy: opt(o.requestedBy, requester),
    lastMessage: opt(o.lastMessage, str),
    checkRunUrl: opt(o.checkRunUrl, str),
    checkRunId: opt(o.checkRunId, positive),
    syncedAt: opt(o.syncedAt, num)
  }
  return dropUndefined(r)
}

/** Absent, not `undefined`: a decoded report equals the one encoded, field for field. */
function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) {
    const v = o[k]
    if (v === undefined) delete o[k]
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) dropUndefined(v)
  }
  return o
}
