/**
 * Follows a created session until Devin stops, the budget runs out or the workflow is cancelled.
 *
 * Costs are bounded on both sides: one session GET per `poll-interval` (fixed cadence, small
 * jitter, so the end of a session is noticed within one interval), messages fetched only when the
 * session changed and out of a small token bucket (so a busy session costs at most ~7% more
 * requests), and comment edits only on a change and at most one per 10 s.
 */
import { randomUUID } from 'node:crypto'
import { EOL } from 'node:os'
import * as path from 'node:path'
import * as core from '@actions/core'
import type { DevinClient, DevinMessage, DevinSession } from '../devin/client.js'
import { DevinApiError, DevinMalformedResponseError, DevinNetworkError } from '../devin/types.js'
import type { Log } from '../handoff/prepare.js'
import type { Run } from '../report/reporter.js'
import { classify, describeStatus, BLOCKING_SUSPEND_REASONS } from '../devin/status.js'
import { toView } from '../session/start.js'
import { scrub } from '../hygiene/scrub.js'
import { errorText, finalizeCancelled, watchForCancel, type WatchOptions } from './signals.js'
import { downloadAttachments } from './attachments.js'

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

export interface WaitDeps {
  run: Run
  devin: DevinClient
  orgId: string
  log: Log
  /** Injectable for tests and the bench; default Date.now / real timers / Math.random. */
  clock?: () => number
  sleep?: Sleep
  random?: () => number
  /** Prints one Devin message as a collapsible log group. */
  print?: (title: string, body: string) => void
  /** Signal handling (tests pass an emitter and a fake exit). */
  cancel?: WatchOptions
  maxConsecutiveFailures?: number
  commentGapMs?: number
}

export const COMMENT_GAP_MS = 10_000
export const MAX_CONSECUTIVE_FAILURES = 5
const MESSAGE_PAGE = 100
const MAX_MESSAGE_PAGES = 20
/** Message reads a poll earns, and how many can be banked: ≤ 1 read per 20 polls over time. */
const READS_PER_POLL = 1 / 20
const MAX_BANKED_READS = 2
const STARTING = new Set(['new', 'creating', 'claimed', 'resuming'])

/** The next poll `interval` after the last one started, ± up to 5% (at most 0.5 s) of jitter. */
export function pollDelay(intervalMs: number, random: () => number): number {
  const spread = Math.min(intervalMs * 0.05, 500)
  return Math.max(0, Math.round(intervalMs + (random() * 2 - 1) * spread))
}

/** After `failures` failed polls in a row: interval, 2×, 4×… capped at max(interval, 2 min). */
export function failureDelay(intervalMs: number, failures: number): number {
  return Math.min(intervalMs * 2 ** Math.max(0, failures - 1), Math.max(intervalMs, 120_000))
}

/** Failures worth another poll: the client already retried these, but the session lives on. */
export function isTransient(err: unknown): boolean {
  if (err instanceof DevinNetworkError || err instanceof DevinMalformedResponseError) return true
  if (err instanceof DevinApiError)
    return err.status === 408 || err.status === 429 || err.status >= 500
  return false
}

export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })

/** Devin text may contain `::command::` lines; stop-commands keeps them from being executed. */
export function printGroup(title: string, body: string): void {
  core.startGroup(title)
  const token = randomUUID()
  process.stdout.write(`::stop-commands::${token}${EOL}${body}${EOL}::${token}::${EOL}`)
  core.endGroup()
}

export function messageTitle(m: DevinMessage): string {
  const first = (m.message.split('\n').find((l) => l.trim() !== '') ?? '').trim()
  const flat = first.replace(/[\p{Cc}\p{Cf}]/gu, ' ')
  const short = flat.length > 100 ? `${flat.slice(0, 99)}…` : flat
  return `💬 ${m.source}: ${short || '(empty message)'}`
}

/** Edits the sticky comment only on a change, at most one per `gapMs`, never losing the last one. */
export class CommentThrottle {
  #lastAt: number
  #pending = false
  #stopped = false
  #inflight: Promise<void> = Promise.resolve()
  edits = 0

  readonly #run: Pick<Run, 'writeComment'>
  readonly #clock: () => number
  readonly #gapMs: number

  constructor(run: Pick<Run, 'writeComment'>, clock: () => number, gapMs = COMMENT_GAP_MS) {
    this.#run = run
    this.#clock = clock
    this.#gapMs = gapMs
    // main writes the comment just before waiting starts.
    this.#lastAt = clock()
  }

  request(): void {
    this.#pending = !this.#stopped
  }

  /** When a pending edit may go out; undefined when none is pending. */
  get dueAt(): number | undefined {
    return this.#pending ? this.#lastAt + this.#gapMs : undefined
  }

  async flushIfDue(): Promise<void> {
    const due = this.dueAt
    if (due === undefined || this.#clock() < due || this.#stopped) return
    this.#pending = false
    this.#lastAt = this.#clock()
    this.edits++
    this.#inflight = this.#run.writeComment()
    await this.#inflight
  }

  /** No more edits from the loop (the final one is someone else's); resolves when any in flight is done. */
  stop(): Promise<void> {
    this.#stopped = true
    this.#pending = false
    return this.#inflight
  }
}

/**
 * Devin's messages, each printed once. Pages are read from the last cursor the API gave; it gives
 * none on the last page, so that page may be read again and is de-duplicated on `event_id`.
 */
export class MessageStream {
  #after: string | undefined
  readonly #seen = new Set<string>()
  #tokens = MAX_BANKED_READS
  #due = false
  #warned = false
  requests = 0
  printed = 0

  readonly #devin: Pick<DevinClient, 'listMessages'>
  readonly #orgId: string
  readonly #sessionId: string
  readonly #print: (title: string, body: string) => void
  readonly #log: Pick<Log, 'warning'>
  readonly #secrets: string[]

  constructor(o: {
    devin: Pick<DevinClient, 'listMessages'>
    orgId: string
    sessionId: string
    print: (title: string, body: string) => void
    log: Pick<Log, 'warning'>
    secrets?: string[]
  }) {
    this.#devin = o.devin
    this.#orgId = o.orgId
    this.#sessionId = o.sessionId
    this.#print = o.print
    this.#log = o.log
    this.#secrets = o.secrets ?? []
  }

  /**
   * Called after every poll. A change marks messages due; a fetch costs a token and a poll earns
   * 1/20 of one (at most 2 banked). The last fetch, once Devin stopped, is always made.
   */
  async afterPoll(changed: boolean, final: boolean): Promise<void> {
    this.#tokens = Math.min(MAX_BANKED_READS, this.#tokens + READS_PER_POLL)
    if (changed) this.#due = true
    if (!final && !(this.#due && this.#tokens >= 1)) return
    this.#tokens = Math.max(0, this.#tokens - 1)
    this.#due = false
    await this.fetch()
  }

  async fetch(): Promise<void> {
    let after = this.#after
    for (let n = 0; n < MAX_MESSAGE_PAGES; n++) {
      let page
      try {
        this.requests++
        page = await this.#devin.listMessages(this.#orgId, this.#sessionId, {
          after,
          first: MESSAGE_PAGE
        })
      } catch (err) {
        // A cursor the server no longer knows: start over; de-duplication hides the repeats.
        if (err instanceof DevinApiError && (err.status === 400 || err.status === 422) && after)
          this.#after = undefined
        if (!this.#warned)
          this.#log.warning(`Could not read the session's messages: ${errorText(err)}`)
        this.#warned = true
        return
      }
      for (const m of page.items) this.#show(m)
      if (!page.hasNextPage || !page.endCursor || page.endCursor === after) return
      after = this.#after = page.endCursor
    }
  }

  #show(m: DevinMessage): void {
    const key = m.event_id || `${m.created_at}:${m.source}:${m.message}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    // The handoff itself (and other user messages) are not news in this log.
    if (m.source === 'user') return
    this.printed++
    this.#print(scrub(messageTitle(m), this.#secrets), scrub(m.message, this.#secrets))
  }
}

export function endNote(status: string, detail: string): string | undefined {
  if (status === 'suspended') {
    const why = describeStatus(status, detail)
    return BLOCKING_SUSPEND_REASONS.has(detail)
      ? `Devin ${why}. Someone has to resolve that in Devin before the session can continue.`
      : `Devin ${why}; sending the session a message wakes it up.`
  }
  if (detail === 'waiting_for_user')
    return 'Devin is waiting for a reply: answer in the Devin session.'
  if (detail === 'waiting_for_approval')
    return 'Devin is waiting for an approval in the Devin session.'
  if (status === 'error') return 'Devin reported an error; the session has the details.'
  return undefined
}

type LoopEnd = 'stopped' | 'timeout' | 'cancelled'

export async function waitForSession(deps: WaitDeps): Promise<void> {
  const { run, devin, orgId, log } = deps
  const clock = deps.clock ?? Date.now
  const sleep = deps.sleep ?? abortableSleep
  const random = deps.random ?? Math.random
  const report = run.report
  const first = report.session
  if (!first) throw new Error('waitForSession needs a created session')
  run.orgId = orgId
  // The post step needs the org to stop the session if this process is killed mid-wait.
  run.saveState(false)
  const intervalMs = run.inputs.pollIntervalSeconds * 1000
  const budgetMs = run.inputs.timeoutMinutes * 60_000
  const started = clock()
  const deadline = started + budgetMs
  report.wait = { startedAt: started, polls: 0 }
  const wait = report.wait
  const comments = new CommentThrottle(run, clock, deps.commentGapMs)
  const messages = new MessageStream({
    devin,
    orgId,
    sessionId: first.id,
    print: deps.print ?? printGroup,
    log,
    secrets: run.secrets
  })
  const maxFailures = deps.maxConsecutiveFailures ?? MAX_CONSECUTIVE_FAILURES
  const fail = (m: string): void => core.setFailed(m)
  const cancel = watchForCancel(
    () => finalizeCancelled({ run, devin, orgId, settle: () => comments.stop(), log, fail }),
    log,
    deps.cancel
  )
  const warned = new Set<string>()
  let lastKey = `${first.status}/${first.detail}`
  let lastUpdated: number | null | undefined
  let prCount = first.pullRequests.length

  /** Takes in one poll's answer; true when Devin has stopped. */
  const observe = (s: DevinSession): { stopped: boolean; changed: boolean } => {
    const view = toView(s)
    report.session = view
    const c = classify(view.status, view.detail)
    if (!c.known) {
      // Once per value: an unknown status, or an unknown detail of a known status.
      const statusKnown = classify(view.status, '').known
      const what = statusKnown
        ? `status_detail '${view.detail}' (status '${view.status}')`
        : `status '${view.status}'`
      if (!warned.has(what)) {
        warned.add(what)
        const then = c.stopped ? 'treating the session as stopped' : 'still waiting'
        log.warning(`Devin reported ${what}, which this action does not know; ${then}.`)
      }
    }
    const key = `${view.status}/${view.detail}`
    // Worth reading messages: the session was updated (the first poll only sets the baseline), or
    // it moved into a working or stopped state; the start-up states carry no news.
    let changed =
      s.updated_at === null ||
      (lastUpdated !== undefined && s.updated_at !== lastUpdated) ||
      (key !== lastKey && !STARTING.has(view.status))
    if (key !== lastKey) {
      const text = `${view.status}${view.detail ? `/${view.detail}` : ''}: ${describeStatus(view.status, view.detail)}`
      report.timeline.push({ at: clock(), text })
      log.info(`Devin session ${view.id} is ${text}`)
      comments.request()
      lastKey = key
    }
    if (view.pullRequests.length > prCount) {
      for (const url of view.pullRequests.slice(prCount))
        report.timeline.push({ at: clock(), text: `opened ${url}` })
      prCount = view.pullRequests.length
      comments.request()
      changed = true
    }
    lastUpdated = s.updated_at
    if (!c.stopped) return { stopped: false, changed }
    report.result = c.result
    report.note = endNote(view.status, view.detail)
    return { stopped: true, changed }
  }

  const loop = async (): Promise<LoopEnd> => {
    let failures = 0
    let nextPollAt = Math.min(started + pollDelay(intervalMs, random), deadline)
    for (;;) {
      const wakeAt = Math.min(nextPollAt, comments.dueAt ?? Infinity)
      const now = clock()
      if (wakeAt > now) await sleep(wakeAt - now, cancel.signal)
      if (cancel.signal.aborted) return 'cancelled'
      await comments.flushIfDue()
      if (cancel.signal.aborted) return 'cancelled'
      const pollAt = clock()
      if (pollAt < nextPollAt) continue
      const last = pollAt >= deadline
      wait.polls++
      let seen
      try {
        seen = observe(await devin.getSession(orgId, first.id))
        failures = 0
      } catch (err) {
        if (cancel.signal.aborted) return 'cancelled'
        failures++
        if (!isTransient(err) || failures >= maxFailures) {
          report.result = 'error'
          report.note = `Lost track of the Devin session while waiting; it may still be running.`
          throw err
        }
        if (last) return 'timeout'
        const retryIn = failureDelay(intervalMs, failures)
        log.warning(
          `Polling the Devin session failed (${failures}/${maxFailures - 1} tolerated): ${errorText(err)}; trying again in ${Math.round(retryIn / 1000)} s.`
        )
        nextPollAt = Math.min(pollAt + retryIn, deadline)
        continue
      }
      if (cancel.signal.aborted) return 'cancelled'
      await messages.afterPoll(seen.changed, seen.stopped)
      if (seen.stopped) return 'stopped'
      if (last) return 'timeout'
      nextPollAt = Math.min(pollAt + pollDelay(intervalMs, random), deadline)
    }
  }

  try {
    let end: LoopEnd
    try {
      end = await loop()
    } catch (err) {
      await comments.stop()
      throw err
    } finally {
      wait.endedAt = clock()
    }
    // The finalizer owns the run now; it exits the process when done.
    if (end === 'cancelled') return await cancel.done
    await comments.stop()
    if (end === 'timeout') {
      report.result = 'timeout'
      const mins = run.inputs.timeoutMinutes
      report.note = `Stopped waiting after ${mins} minute${mins === 1 ? '' : 's'} (timeout-minutes); the Devin session keeps running.`
      report.timeline.push({ at: clock(), text: 'stopped waiting (timeout)' })
      await messages.fetch()
    } else {
      const s = report.session
      log.info(
        `Devin stopped: ${describeStatus(s?.status ?? '', s?.detail)} (result ${report.result}).`
      )
    }
    if (run.inputs.attachmentsPath) await fetchAttachments(deps, first.id)
    if (cancel.signal.aborted) await cancel.done
  } finally {
    cancel.dispose()
  }
}

async function fetchAttachments(deps: WaitDeps, sessionId: string): Promise<void> {
  const { run, devin, orgId, log } = deps
  try {
    const { files } = await downloadAttachments({
      devin,
      orgId,
      sessionId,
      dir: path.resolve(run.ctx.workspace, run.inputs.attachmentsPath),
      relativeTo: run.ctx.workspace,
      log
    })
    run.report.attachments = files
  } catch (err) {
    log.warning(`Could not list the session's attachments: ${errorText(err)}`)
  }
}
