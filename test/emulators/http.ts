/**
 * Shared plumbing for the loopback HTTP emulators: a tiny router on node:http, a request log,
 * scriptable fault injection, and a close() that never leaves a keep-alive socket behind.
 *
 * A slow answer is scripted rather than slept: `hang` holds it until the client gives up, `hold`
 * until the test releases it, and `waitFor` lets a test wait for what the emulator has seen. A
 * test that races a real clock against a real timeout flakes on a busy machine.
 */

import http from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { ConformanceError, ConformanceLog } from './conformance.ts'
import type { Conformance, Violation } from './conformance.ts'

export type QueryRecord = Record<string, string | string[]>

export interface RecordedRequest {
  method: string
  path: string
  query: QueryRecord
  headers: IncomingHttpHeaders
  body: string
  json?: unknown
  at: number
  /** Which injected fault, if any, answered this request. */
  fault?: FaultKind
  /**
   * The status sent back; 'dropped' when the emulator destroyed the socket; 'abandoned' when the
   * answer was held and the client closed the connection first; unset if never answered.
   */
  answer?: number | 'dropped' | 'abandoned'
  /** Headers of the answer sent back (lower-case names). */
  answerHeaders?: Record<string, string | string[]>
}

export interface EmuRequest extends RecordedRequest {
  params: Record<string, string>
  search: URLSearchParams
}

export interface Reply {
  status: number
  headers?: Record<string, string | string[]>
  /** Serialized as JSON (content-type application/json unless headers say otherwise). */
  json?: unknown
  body?: string | Buffer
}

export type Handler = (req: EmuRequest) => Reply | Promise<Reply>

export interface StatusFault {
  status: number
  headers?: Record<string, string>
  /** A function builds the body from the request (servers that echo what they were sent). */
  body?: string | object | ((req: RecordedRequest) => string | object)
  /** Act first, then answer with this status (a proxy that gives up after the backend acted). */
  afterAction?: boolean
}
export interface DropFault {
  /** before: destroy the socket without acting; after: act, then destroy without answering. */
  drop: 'before' | 'after'
}
export interface DelayFault {
  /**
   * The real action happens at once; the answer is sent this much later. A real sleep: never
   * race it against a client timeout (use `hang`), nor lean on it for an ordering (use `hold`).
   */
  delayMs: number
}
export interface HangFault {
  /**
   * The real action happens at once; the answer never comes. The request is held until the
   * client closes the connection (its timeout fired, or it went away), and is recorded as
   * 'abandoned'. "Slower than the client's timeout", without a clock to race.
   */
  hang: true
}
export interface HoldFault {
  /**
   * The real action happens at once (the answer is computed then); it is sent once `until`
   * settles. Orders two clients' requests without a sleep. A client that gives up first leaves
   * it 'abandoned'.
   */
  until: Promise<unknown>
}
export interface MalformedFault {
  /** The real action happens; the answer is a 200 with truncated JSON. */
  malformed: true
}
export interface LargeBodyFault {
  /** The real action happens; the JSON answer is padded to at least this many bytes. */
  largeBody: number
}
export type Fault =
  StatusFault | DropFault | DelayFault | HangFault | HoldFault | MalformedFault | LargeBodyFault
export type FaultKind =
  'status' | 'drop-before' | 'drop-after' | 'delay' | 'hang' | 'hold' | 'malformed' | 'large-body'

export interface FaultMatch {
  method?: string
  /** A string matches the path (without query) exactly; a RegExp is tested against it. */
  path?: RegExp | string
  /** How many matching requests the fault answers (default 1). */
  times?: number
  /** Skip the first N matching requests before the fault starts answering. */
  after?: number
}

interface ActiveFault {
  match: FaultMatch
  fault: Fault
  remaining: number
  seen: number
}

interface Watch {
  check: () => boolean
  what: string
  resolve: () => void
  reject: (err: Error) => void
}

interface Route {
  method: string
  pattern: string
  regex: RegExp
  keys: string[]
  handler: Handler
}

export interface EmulatorHooks {
  /** Body for unknown paths and methods, in the emulated service's error shape. */
  errorReply: (status: number, message: string, req: EmuRequest) => Reply
}

export function faultKind(fault: Fault): FaultKind {
  if ('drop' in fault) return fault.drop === 'before' ? 'drop-before' : 'drop-after'
  if ('delayMs' in fault) return 'delay'
  if ('hang' in fault) return 'hang'
  if ('until' in fault) return 'hold'
  if ('malformed' in fault) return 'malformed'
  if ('largeBody' in fault) return 'large-body'
  return 'status'
}

export function pathMatches(pattern: RegExp | string | undefined, path: string): boolean {
  if (pattern === undefined) return true
  return typeof pattern === 'string' ? pattern === path : pattern.test(path)
}

export function queryRecord(search: URLSearchParams): QueryRecord {
  const out: QueryRecord = {}
  for (const [key, value] of search) {
    const prev = out[key]
    if (prev === undefined) out[key] = value
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return out
}

function compile(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = []
  const source = pattern
    .split('/')
    .map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      keys.push(part.slice(1))
      return '([^/]+)'
    })
    .join('/')
  return { regex: new RegExp(`^${source}$`), keys }
}

/** Truncated JSON: what a client sees when a proxy cuts a response short. */
export function malformedBody(reply: Reply): string {
  const full = reply.json !== undefined ? JSON.stringify(reply.json) : String(reply.body ?? '')
  const cut = full.slice(0, Math.max(2, Math.floor(full.length / 2)))
  return cut.startsWith('{') || cut.startsWith('[') ? cut : `{"${cut}`
}

function statusReply(fault: StatusFault, req: RecordedRequest): Reply {
  const body = typeof fault.body === 'function' ? fault.body(req) : fault.body
  return typeof body === 'string'
    ? { status: fault.status, headers: fault.headers, body }
    : { status: fault.status, headers: fault.headers, json: body ?? {} }
}

/** A JSON answer of at least `bytes`: `head`, then `padBytes` of `x`, then `tail`. */
export interface PaddedBody {
  head: string
  padBytes: number
  tail: string
}

/** The answer's JSON with a `_padding` field that brings it to at least `bytes` bytes. */
export function largeBody(reply: Reply, bytes: number): PaddedBody {
  const base = reply.json !== undefined ? reply.json : { body: String(reply.body ?? '') }
  const obj = typeof base === 'object' && base !== null && !Array.isArray(base) ? base : { base }
  const empty = JSON.stringify({ ...obj, _padding: '' })
  const padBytes = Math.max(0, bytes - Buffer.byteLength(empty))
  return { head: empty.slice(0, -2), padBytes, tail: empty.slice(-2) }
}

/**
 * Padding is written from this one chunk, never built whole: making and copying a 17 MB body
 * blocked this process (and every emulator in it) for seconds on a busy machine.
 */
const PAD_CHUNK = Buffer.alloc(64 * 1024, 'x')

export class HttpEmulator {
  url = ''
  readonly requests: RecordedRequest[] = []
  private readonly routes: Route[] = []
  private faults: ActiveFault[] = []
  private readonly alterations: Array<{ match: FaultMatch; edit: (reply: Reply) => Reply }> = []
  private readonly sockets = new Set<Socket>()
  private readonly waiters = new Set<() => void>()
  private readonly watches = new Set<Watch>()
  private held = 0
  private readonly server: http.Server
  private readonly hooks: EmulatorHooks
  private closed = false
  /** What requests and answers are checked against, and what was found (./conformance.ts). */
  private conformance?: ConformanceLog

  constructor(hooks: EmulatorHooks) {
    this.hooks = hooks
    // A client that aborts mid-request must not take the emulator down with an unhandled rejection.
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy())
    })
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  route(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method: method.toUpperCase(), pattern, ...compile(pattern), handler })
  }

  /** The routes served, as registered: method and `:param` pattern. */
  routeList(): Array<{ method: string; pattern: string }> {
    return this.routes.map((r) => ({ method: r.method, pattern: r.pattern }))
  }

  /** From now on, every request and every answer is checked by `checker`. */
  protected conformTo(checker: Conformance): void {
    this.conformance = new ConformanceLog(checker)
  }

  /**
   * Where the API is mounted (`/api/v3` on GitHub Enterprise Server): `url` ends with it, and a
   * request outside it is answered 404 as the server would, after being recorded and checked.
   */
  protected basePath = ''

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => resolve())
    })
    const address = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${address.port}${this.basePath}`
    return this.url
  }

  /** The path below `basePath`, or undefined for a request outside it. */
  private below(pathname: string): string | undefined {
    if (this.basePath === '') return pathname
    return pathname.startsWith(`${this.basePath}/`)
      ? pathname.slice(this.basePath.length)
      : undefined
  }

  requestsTo(method: string, path: RegExp | string): RecordedRequest[] {
    const m = method.toUpperCase()
    return this.requests.filter((r) => r.method === m && pathMatches(path, r.path))
  }

  fault(match: FaultMatch, fault: Fault): void {
    // A gate that fails (e.g. a `received` cut short by close()) just releases the answer.
    if ('until' in fault) fault.until.catch(() => undefined)
    this.faults.push({ match, fault, remaining: match.times ?? 1, seen: 0 })
  }

  clearFaults(): void {
    this.faults = []
  }

  /**
   * Edits every answer to matching requests before it is checked and sent: how a test plants
   * an answer that drifted from the real service, to prove the conformance check catches it.
   */
  alterAnswers(match: Omit<FaultMatch, 'times' | 'after'>, edit: (reply: Reply) => Reply): void {
    this.alterations.push({ match, edit })
  }

  private altered(req: RecordedRequest, reply: Reply): Reply {
    let out = reply
    for (const a of this.alterations) {
      if (a.match.method !== undefined && a.match.method.toUpperCase() !== req.method) continue
      if (pathMatches(a.match.path, req.path)) out = a.edit(out)
    }
    return out
  }

  /** Every conformance violation seen so far, taken or not. */
  get violations(): readonly Violation[] {
    return this.conformance?.violations ?? []
  }

  /** The documented operations requests and answers were checked against, by name. */
  get checked(): ReadonlySet<string> {
    return this.conformance?.checked ?? new Set()
  }

  /**
   * Hands over (and forgets) the violations seen so far, for a test that planted them and
   * asserts on them. Whatever is left when the emulator closes fails the test.
   */
  takeViolations(): Violation[] {
    return this.conformance?.take() ?? []
  }

  /**
   * Declares that violations matching `pattern` (against describeViolation's lines) are
   * deliberate: a test that scripts an answer off the documented list on purpose. close() then
   * fails if none matched, so the declaration cannot outlive the deviation it excuses.
   */
  expectViolation(pattern: RegExp): void {
    this.conformance?.expect(pattern)
  }

  /** Requests whose answer is being held (`hang`, `hold`) right now. */
  get holding(): number {
    return this.held
  }

  /**
   * Resolves once `check()` is true: at once, or when a request arrives, is answered, dropped or
   * abandoned. What a test waits for instead of sleeping. Rejects if the emulator closes first.
   */
  waitFor(check: () => boolean, what = 'the awaited condition'): Promise<void> {
    if (check()) return Promise.resolve()
    if (this.closed) return Promise.reject(new Error(`emulator closed before ${what}`))
    return new Promise<void>((resolve, reject) => {
      this.watches.add({ check, what, resolve, reject })
    })
  }

  /** Resolves once the `n`th request matching `method` and `path` has arrived. */
  received(method: string, path: RegExp | string, n = 1): Promise<void> {
    const what = `request ${n} to ${method.toUpperCase()} ${String(path)}`
    return this.waitFor(() => this.requestsTo(method, path).length >= n, what)
  }

  /** Something a watch may be waiting for happened. */
  private changed(): void {
    for (const w of [...this.watches]) {
      let ok: boolean
      try {
        ok = w.check()
      } catch (err) {
        this.watches.delete(w)
        w.reject(err instanceof Error ? err : new Error(String(err)))
        continue
      }
      if (!ok) continue
      this.watches.delete(w)
      w.resolve()
    }
  }

  /** Every matching fault counts the request (for `after`); the first one due answers it. */
  private takeFault(method: string, path: string): Fault | undefined {
    let chosen: ActiveFault | undefined
    for (const f of this.faults) {
      if (f.match.method !== undefined && f.match.method.toUpperCase() !== method) continue
      if (!pathMatches(f.match.path, path)) continue
      f.seen += 1
      if (chosen === undefined && f.seen > (f.match.after ?? 0) && f.remaining > 0) chosen = f
    }
    if (chosen === undefined) return undefined
    chosen.remaining -= 1
    if (chosen.remaining <= 0) this.faults = this.faults.filter((f) => f !== chosen)
    return chosen.fault
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://emulator.invalid')
    const method = (req.method ?? 'GET').toUpperCase()
    const mounted = this.below(url.pathname)
    // Outside the mount the real server has no API at all; the recorded path keeps the prefix
    // missing, so the conformance check names the request too.
    if (mounted !== undefined) url.pathname = mounted
    let json: unknown
    if (body.length > 0) {
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
    }
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      headers: req.headers,
      body,
      ...(json === undefined ? {} : { json }),
      at: Date.now()
    }
    this.requests.push(record)
    if (mounted === undefined)
      this.conformance?.record('request', record, {
        problems: [`outside the API, which is mounted at ${this.basePath}`]
      })
    else this.conformance?.check(record)
    if (mounted === undefined) {
      this.changed()
      const reply = this.hooks.errorReply(404, 'Not Found', {
        ...record,
        params: {},
        search: url.searchParams
      })
      return this.send(res, reply, record)
    }
    const fault = this.takeFault(method, url.pathname)
    if (fault !== undefined) record.fault = faultKind(fault)
    this.changed()

    if (fault !== undefined && 'drop' in fault && fault.drop === 'before') {
      record.answer = 'dropped'
      req.socket.destroy()
      this.changed()
      return
    }
    if (fault !== undefined && 'status' in fault && !fault.afterAction) {
      return this.send(res, statusReply(fault, record), record)
    }

    const computed = await this.dispatch({ ...record, params: {}, search: url.searchParams })
    const reply = this.altered(record, computed)
    // What the emulator computed is checked even when a fault then mangles or replaces it.
    this.conformance?.check(record, reply)
    if (fault === undefined) return this.send(res, reply, record)
    if ('status' in fault) return this.send(res, statusReply(fault, record), record)
    if ('drop' in fault) {
      record.answer = 'dropped'
      req.socket.destroy()
      this.changed()
      return
    }
    if ('delayMs' in fault) {
      await this.sleep(fault.delayMs)
      return this.send(res, reply, record)
    }
    if ('hang' in fault || 'until' in fault) {
      const released = await this.hold(req, res, 'until' in fault ? fault.until : undefined)
      if (released) return this.send(res, reply, record)
      // Closed by the client, not by close(): the client gave up waiting for this answer.
      if (!this.closed) record.answer = 'abandoned'
      this.changed()
      return
    }
    const headers = { 'content-type': 'application/json' }
    if ('malformed' in fault) {
      return this.send(res, { status: 200, headers, body: malformedBody(reply) }, record)
    }
    await this.sendPadded(res, reply.status, headers, largeBody(reply, fault.largeBody), record)
  }

  /** Streams a padded body, waiting for the socket to drain; stops if the client goes away. */
  private async sendPadded(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: PaddedBody,
    record: RecordedRequest
  ): Promise<void> {
    if (this.closed || res.destroyed) return
    const head = Buffer.from(body.head)
    const tail = Buffer.from(body.tail)
    const all = { ...headers, 'content-length': String(head.length + body.padBytes + tail.length) }
    record.answer = status
    record.answerHeaders = all
    res.writeHead(status, all)
    const gone = new Promise<void>((resolve) => res.once('close', resolve))
    let ok = res.write(head)
    for (let left = body.padBytes; left > 0; left -= PAD_CHUNK.length) {
      if (!ok) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), gone])
      if (res.destroyed) return
      ok = res.write(left >= PAD_CHUNK.length ? PAD_CHUNK : PAD_CHUNK.subarray(0, left))
    }
    res.end(tail)
    this.changed()
  }

  /** True once `until` settles; false when the connection closes first (or at once if it has). */
  private hold(req: IncomingMessage, res: ServerResponse, until?: Promise<unknown>) {
    this.held += 1
    return new Promise<boolean>((resolve) => {
      if (res.destroyed || req.socket.destroyed) return resolve(false)
      res.once('close', () => resolve(false))
      const release = (): void => resolve(!res.destroyed)
      until?.then(release, release)
      this.changed()
    }).finally(() => {
      this.held -= 1
    })
  }

  private async dispatch(req: EmuRequest): Promise<Reply> {
    let pathKnown = false
    for (const route of this.routes) {
      const m = route.regex.exec(req.path)
      if (m === null) continue
      pathKnown = true
      if (route.method !== req.method) continue
      const params: Record<string, string> = {}
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1] ?? '')))
      try {
        return await route.handler({ ...req, params })
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        this.conformance?.record('answer', req, { problems: [`handler failed: ${message}`] }, 500)
        return this.hooks.errorReply(500, `emulator handler failed: ${message}`, req)
      }
    }
    return pathKnown
      ? this.hooks.errorReply(405, 'Method Not Allowed', req)
      : this.hooks.errorReply(404, 'Not Found', req)
  }

  private send(res: ServerResponse, reply: Reply, record?: RecordedRequest): void {
    if (this.closed || res.destroyed) return
    if (record) record.answer = reply.status
    const headers: Record<string, string | string[]> = { ...reply.headers }
    const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')
    let payload: string | Buffer = ''
    if (reply.json !== undefined) {
      payload = JSON.stringify(reply.json)
      if (!hasType) headers['content-type'] = 'application/json; charset=utf-8'
    } else if (reply.body !== undefined) {
      payload = reply.body
      if (!hasType) headers['content-type'] = 'text/plain; charset=utf-8'
    }
    headers['content-length'] = String(Buffer.byteLength(payload))
    if (record) {
      record.answerHeaders = Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])
      )
    }
    res.writeHead(reply.status, headers)
    res.end(payload)
    this.changed()
  }

  /** A sleep that close() cuts short, so a delayed answer never keeps a test alive. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const wake of [...this.waiters]) wake()
    for (const w of [...this.watches]) w.reject(new Error(`emulator closed before ${w.what}`))
    this.watches.clear()
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    for (const socket of this.sockets) socket.destroy()
    await done
    const problems = this.conformance?.problems() ?? []
    if (problems.length > 0) {
      throw new ConformanceError(this.conformance?.checker.service ?? 'emulator', problems)
    }
  }
}
