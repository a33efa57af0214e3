/**
 * The built action under injected faults on the calls that matter: Devin's create-session
 * (money), the follow-up message to a reused session, and GitHub's sticky comment (what people
 * read). Every row must end with exactly one session for the run and a green step. The table in docs/faults.md is generated from what the rows observed
 * here; the last test fails when the committed table drifts (UPDATE_FAULT_TABLE=1 rewrites it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Fault, RecordedRequest } from '../emulators/http.ts'
import { REPO_ROOT, type ActionResult } from '../helpers/run-action.ts'
import {
  CANCEL_ROWS,
  expectTrueEnd,
  renderWindows,
  runWindow,
  type CancelObserved,
  type CancelRow
} from './cancel-windows.ts'
import {
  GITHUB_TOKEN,
  OWNER,
  PR,
  PR_TAG,
  REPO,
  THREAD_TAG,
  prScenario,
  type PrScenario
} from '../helpers/scenario.ts'
const SLUG = `${OWNER}/${REPO}`
const SESSIONS = /^\/v3\/organizations\/[^/]+\/sessions$/
const GH_LIST = `/repos/${SLUG}/issues/${PR}/comments`
const GH_ONE = new RegExp(`^/repos/${SLUG}/issues/comments/\\d+$`)
/**
 * The action's per-request timeout in the rows whose answer never comes (a `hang` fault holds it
 * until the action gives up). Only the held call may time out, so this sits far above what any
 * answered loopback request takes on a busy machine; each such row waits it out once.
 */
const REQUEST_TIMEOUT = { DEVIN_HANDOFF_REQUEST_TIMEOUT_MS: '5000' }

const problem = (status: number, title: string): object => ({
  type: 'about:blank',
  title,
  status,
  detail: `${title} (injected)`
})
const HTML_502 =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n'
const HTML = { 'content-type': 'text/html; charset=utf-8' }
const SECONDARY = {
  status: 403,
  headers: { 'retry-after': '1' },
  body: {
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    documentation_url:
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
  }
}
const ghError = (status: number, message: string): object => ({
  message,
  documentation_url: 'https://docs.github.com/rest',
  status: String(status)
})

interface Expected {
  /** Create requests Devin received. */
  creates: number
  /** Sessions this run created (default 1; a reused session was created by an earlier run). */
  sessions?: number
  /** The `result` output (default `created`). */
  result?: string
  /** Lookups by the run tag before a resend. */
  lookups?: number
  recovered?: boolean
  /** Live sticky comments on the PR afterwards. */
  comments: number
  /** The comment could not be written (one warning, the step stays green). */
  commentWarning?: boolean
}

interface Row {
  fault: string
  side: Side
  on: string
  setup(t: PrScenario): void
  env?: Record<string, string>
  inputs?: Record<string, string>
  expect: Expected
  /** Extra row-specific assertions. */
  check?(t: PrScenario, r: ActionResult, o: Observed): void
}

const seedSticky = (t: PrScenario): void => {
  t.github.addComment({
    issue: PR,
    body: '<!-- devin-handoff:default -->\nDevin session from an earlier run',
    login: 'github-actions[bot]',
    type: 'Bot'
  })
}

/** Outcome unknown, nothing made: looked up by run tag, found none, sent once more. */
const RESENT: Expected = { creates: 2, lookups: 1, recovered: false, comments: 1 }
/** Outcome unknown, the session exists: looked up by run tag, found it, nothing resent. */
const ADOPTED: Expected = { creates: 1, lookups: 1, recovered: true, comments: 1 }
/** Devin untouched (GitHub rows) or a plain retry-free success. */
const CLEAN: Expected = { creates: 1, lookups: 0, comments: 1 }

const CREATE = 'Devin `POST …/sessions`'
function devin(fault: string, f: Fault, expect: Expected, more: Partial<Row> = {}): Row {
  const setup = (t: PrScenario): void => t.devin.fault({ method: 'POST', path: SESSIONS }, f)
  return { fault, side: 'devin', on: CREATE, setup, expect, ...more }
}

const MESSAGES = /^\/v3\/organizations\/[^/]+\/sessions\/[^/]+\/messages$/
/** The live session of this PR and key that an earlier run left, found by its thread tag. */
const seedLive = (t: PrScenario): string =>
  t.devin.seedSession({ prompt: 'an earlier handoff', tags: ['github-action', PR_TAG, THREAD_TAG] })

/** A fault on the follow-up message to the live session (`reuse-session`). */
function message(fault: string, f: Fault, expect: Expected, more: Partial<Row> = {}): Row {
  const setup = (t: PrScenario): void => {
    seedLive(t)
    t.devin.fault({ method: 'POST', path: MESSAGES }, f)
  }
  const on = 'Devin `POST …/sessions/{id}/messages` (`reuse-session`)'
  return { fault, side: 'devin', on, setup, expect, inputs: { 'reuse-session': 'true' }, ...more }
}

/** The message's outcome is unknown: the live session stays the run's, with a note; none created. */
const KEPT: Expected = { creates: 0, sessions: 0, result: 'reused', comments: 1 }

/** The note that says so, in the comment and the summary, and the session named in both. */
function keptChecks(t: PrScenario, r: ActionResult): void {
  const [live] = [...t.devin.sessions.keys()]
  expect(r.outputs['session-id']).toBe(live)
  const note = /delivery could not be confirmed; check the session before sending it again/
  expect(t.github.liveComments(PR)[0]?.body).toMatch(note)
  expect(r.summary).toMatch(note)
  expect(r.summary).toContain(r.outputs['session-url'])
  expect(
    r.commands.some((c) => c.command === 'warning' && /may or may not have worked/.test(c.message))
  ).toBe(true)
}

const GH_CALLS = {
  create: { method: 'POST', path: GH_LIST as RegExp | string, label: 'POST …/issues/7/comments' },
  list: { method: 'GET', path: GH_LIST as RegExp | string, label: 'GET …/issues/7/comments' },
  update: {
    method: 'PATCH',
    path: GH_ONE as RegExp | string,
    label: 'PATCH …/issues/comments/{id}'
  }
}
/** A fault on one comment call; updates need an earlier sticky to update. */
function github(
  fault: string,
  call: keyof typeof GH_CALLS,
  f: Fault,
  more: Partial<Row> & { seed?: boolean } = {}
): Row {
  const { method, path, label } = GH_CALLS[call]
  const setup = (t: PrScenario): void => {
    if (call === 'update' || more.seed) seedSticky(t)
    t.github.fault({ method, path }, f)
  }
  return { fault, side: 'github', on: `GitHub \`${label}\``, setup, expect: CLEAN, ...more }
}

const SLOW = 'no answer within the request timeout (server acted)'
const TOO_MANY = problem(429, 'Too Many Requests')

const ROWS: Row[] = [
  devin(
    '429 with `Retry-After: 1`',
    { status: 429, headers: { 'retry-after': '1' }, body: TOO_MANY },
    { creates: 2, lookups: 0, comments: 1 }
  ),
  devin('429 without `Retry-After`', { status: 429, body: TOO_MANY }, { ...CLEAN, creates: 2 }),
  devin('500 (server did not act)', { status: 500, body: problem(500, 'Server Error') }, RESENT),
  devin('502 (server did not act)', { status: 502, body: problem(502, 'Bad Gateway') }, RESENT),
  devin(
    '503 with `Retry-After: 1` (server did not act)',
    { status: 503, headers: { 'retry-after': '1' }, body: problem(503, 'Unavailable') },
    RESENT
  ),
  devin(
    '502 after the server acted (proxy gave up)',
    { status: 502, body: problem(502, 'Bad Gateway'), afterAction: true },
    ADOPTED
  ),
  devin('connection dropped before the server acted', { drop: 'before' }, RESENT),
  devin('connection dropped after the server acted', { drop: 'after' }, ADOPTED),
  devin(SLOW, { hang: true }, ADOPTED, {
    env: REQUEST_TIMEOUT,
    check: (_t, _r, o) => expect(o.creates.map((q) => q.answer)).toEqual(['abandoned'])
  }),
  devin('malformed JSON (truncated 200; server acted)', { malformed: true }, ADOPTED),
  devin(
    'HTML error page (502 from a proxy; server did not act)',
    { status: 502, headers: HTML, body: HTML_502 },
    RESENT,
    { check: (_t, r) => expect(r.stdout).not.toContain('<center>') }
  ),
  devin(
    'HTML page with status 200 (server acted)',
    { status: 200, headers: HTML, body: HTML_502, afterAction: true },
    ADOPTED
  ),
  devin(
    'very large body (17 MB, over the 16 MiB cap; server acted)',
    { largeBody: 17 * 1024 * 1024 },
    ADOPTED
  ),
  devin('large body (2 MB, within the cap)', { largeBody: 2 * 1024 * 1024 }, CLEAN),
  devin(
    'connection dropped after the server acted, then the lookup answers 503',
    { drop: 'after' },
    { ...ADOPTED, lookups: 2 },
    {
      on: `${CREATE} + lookup`,
      setup: (t) => {
        t.devin.fault({ method: 'POST', path: SESSIONS }, { drop: 'after' })
        t.devin.fault({ method: 'GET', path: SESSIONS }, { status: 503, body: problem(503, 'x') })
      }
    }
  ),
  message(
    '502 after the server acted (delivered; proxy gave up)',
    { status: 502, body: problem(502, 'Bad Gateway'), afterAction: true },
    KEPT,
    {
      check: (t, r) => {
        keptChecks(t, r)
        const [live] = [...t.devin.sessions.values()]
        expect(live?.messages.at(-1)?.message).toContain('Review this pull request')
      }
    }
  ),
  message('502 (server did not act)', { status: 502, body: problem(502, 'Bad Gateway') }, KEPT, {
    check: keptChecks
  }),
  message('connection dropped after the server acted', { drop: 'after' }, KEPT, {
    check: keptChecks
  }),
  message(SLOW, { hang: true }, KEPT, {
    env: REQUEST_TIMEOUT,
    check: (t, r, o) => {
      keptChecks(t, r)
      expect(o.messages.map((q) => q.answer)).toEqual(['abandoned'])
    }
  }),
  message(
    '404: the session is gone (a definite refusal)',
    { status: 404, body: problem(404, 'Not Found') },
    { ...CLEAN, result: 'created' },
    {
      check: (t, r) => {
        const [, made] = [...t.devin.sessions.keys()]
        expect(r.outputs['session-id']).toBe(made)
        expect(r.stdout).toMatch(/can no longer take messages \(404\)/)
      }
    }
  ),
  github('secondary rate limit (403, `Retry-After: 1`)', 'create', SECONDARY),
  github('429 without `Retry-After`', 'create', { status: 429, body: ghError(429, 'Slow down') }),
  github('500 (server did not act)', 'create', { status: 500, body: ghError(500, 'Error') }),
  github('502 after the server acted', 'create', {
    status: 502,
    body: ghError(502, 'Server Error'),
    afterAction: true
  }),
  github('HTML error page (503 Unicorn)', 'create', { status: 503, headers: HTML, body: HTML_502 }),
  github('connection dropped before the server acted', 'create', { drop: 'before' }),
  github('connection dropped after the server acted', 'create', { drop: 'after' }),
  github(
    SLOW,
    'create',
    { hang: true },
    {
      env: REQUEST_TIMEOUT,
      check: (t) => {
        expect(t.github.requestsTo('POST', GH_LIST).map((q) => q.answer)).toEqual(['abandoned'])
        expect(t.github.comments).toHaveLength(1)
      }
    }
  ),
  github('malformed JSON (truncated 200; server acted)', 'create', { malformed: true }),
  github('very large body (5 MB 201, within the limits)', 'create', {
    largeBody: 5 * 1024 * 1024
  }),
  {
    fault: 'read-only token: 403 "Resource not accessible by integration"',
    side: 'github',
    on: `GitHub \`${GH_CALLS.create.label}\``,
    setup: (t) => {
      const who = t.github.tokens[GITHUB_TOKEN]
      if (who) who.readOnly = true
    },
    expect: { ...CLEAN, comments: 0, commentWarning: true },
    check: (_t, r) => {
      const warning = r.commands.find((c) => c.command === 'warning')?.message ?? ''
      expect(warning).toMatch(/^Could not write the PR comment: 403 Resource not accessible/)
      expect(warning).toMatch(/pull-requests: write/)
      expect(r.outputs['session-url']).toMatch(/^https:\/\/app\.devin\.ai\/sessions\/devin-/)
      expect(r.outputs['comment-url']).toBe('')
      expect(r.summary).toContain(r.outputs['session-url'])
    }
  },
  github('503 on the comment list', 'list', { status: 503, body: ghError(503, 'Unavailable') }),
  github('secondary rate limit (403, `Retry-After: 1`) on the comment list', 'list', SECONDARY),
  github('connection dropped on the comment list', 'list', { drop: 'before' }),
  github(
    'malformed JSON on the comment list (an earlier sticky exists)',
    'list',
    { malformed: true },
    { seed: true }
  ),
  github('502 on the update (an earlier sticky exists)', 'update', {
    status: 502,
    body: ghError(502, 'Server Error')
  }),
  github('secondary rate limit (403, `Retry-After: 1`) on the update', 'update', SECONDARY)
]

// ---------------------------------------------------------------------------------------------
// What a row observed, and the table rendered from it

type Side = 'devin' | 'github'

interface Observed {
  sessions: number
  creates: RecordedRequest[]
  lookups: RecordedRequest[]
  messages: RecordedRequest[]
  devinCalls: RecordedRequest[]
  commentCalls: RecordedRequest[]
  recovered: boolean
  liveComments: number
  commentWarning: boolean
  warnings: string[]
  code: number | null
  result: string
}

interface TableRow {
  fault: string
  on: string
  side: Side
  o: Observed
}

const FAULT_TABLE_PATH = 'docs/faults.md'

/** The emulator's answer; 'abandoned': held until the action gave up waiting for it. */
function answer(q: RecordedRequest): string {
  if (q.answer === 'dropped') return 'dropped'
  if (q.answer === 'abandoned') return 'timed out'
  // The action closed the connection on an answer nobody held: an unscripted timeout.
  if (q.answer === undefined) return 'unanswered'
  if (q.fault === 'malformed') return `${q.answer} truncated`
  return q.fault === 'large-body' ? `${q.answer} large` : String(q.answer)
}

function retryAfter(q: RecordedRequest | undefined): number | undefined {
  const v = q?.answerHeaders?.['retry-after']
  return typeof v === 'string' ? Number(v) : undefined
}

/** Whenever an answer asked for a wait, the same call did not come again any sooner. */
function expectRetryAfterHonoured(calls: RecordedRequest[]): void {
  calls.forEach((q, i) => {
    const after = retryAfter(q)
    const next = calls.slice(i + 1).find((n) => n.method === q.method && n.path === q.path)
    if (after === undefined || !next) return
    expect(next.at - q.at, `${q.method} ${q.path} came again too soon`).toBeGreaterThanOrEqual(
      after * 1000 - 20
    )
  })
}

/** The action could not use this answer. */
const failed = (q: RecordedRequest): boolean =>
  typeof q.answer !== 'number' || q.answer >= 300 || q.fault === 'malformed'

function trace(row: TableRow): string {
  const label = (q: RecordedRequest): string => {
    if (MESSAGES.test(q.path)) return 'message'
    if (row.side === 'devin')
      return q.method === 'POST' ? 'create' : isLookup(q) ? 'lookup' : 'find live'
    const byMethod: Record<string, string> = { GET: 'list', POST: 'create', PATCH: 'update' }
    return byMethod[q.method] ?? q.method.toLowerCase()
  }
  const calls = row.side === 'devin' ? row.o.devinCalls : row.o.commentCalls
  return calls.map((q) => `${label(q)} ${answer(q)}`).join(' → ')
}

function narrate(row: TableRow): string {
  const { o } = row
  const out: string[] = []
  const [sent] = o.messages
  if (sent && o.result === 'reused') {
    out.push(
      `message outcome unknown (${answer(sent)}): kept the live session as the run's session, ` +
        'with a note that delivery could not be confirmed; created none'
    )
  } else if (sent) {
    out.push(`the live session refused the message (${answer(sent)}): created a new session`)
  }
  if (o.lookups.length > 0) {
    const retried = o.lookups.filter((q) => q.answer !== 200).map(answer)
    out.push(
      'outcome unknown: listed sessions by its run tag' +
        (retried.length ? ` (the lookup retried after ${retried.join(', ')})` : '') +
        (o.recovered
          ? ', found the session the server had made and used it; nothing resent'
          : ', found none, sent the create once more')
    )
  } else if (o.creates.length > 1) {
    const after = retryAfter(o.creates[0])
    const wait = after !== undefined ? `the Retry-After (${after} s)` : 'a jittered backoff'
    out.push(`waited ${wait}, sent the create again (a 429 was never processed)`)
  }
  if (row.side === 'github') out.push(...commentNarrative(o))
  return out.join('; ') || 'read the answer and went on'
}

function commentNarrative(o: Observed): string[] {
  const calls = o.commentCalls
  const out: string[] = []
  calls.forEach((q, i) => {
    if (!failed(q) || (q.answer === 403 && o.commentWarning)) return
    const later = calls.slice(i + 1)
    const why = answer(q)
    if (later[0]?.method === q.method && later[0].path === q.path) {
      const after = retryAfter(q)
      out.push(
        `retried the ${q.method} (${why})` +
          (after !== undefined ? ` after the Retry-After (${after} s)` : '')
      )
    } else if (q.method === 'POST') {
      const again = later.some((n) => n.method === 'POST')
      out.push(
        `create outcome unknown (${why}): listed the comments first` +
          (again ? ', found none, created it once more' : ', found its comment and kept it')
      )
    }
  })
  const deletes = calls.filter((q) => q.method === 'DELETE').length
  if (deletes > 0) out.push(`deleted ${deletes} duplicate sticky comment(s)`)
  if (o.commentWarning) out.push('one warning: comment not written; outputs and summary still set')
  return out
}

function renderFaultTable(
  rows: TableRow[],
  windows: Array<{ row: CancelRow; o: CancelObserved }>
): string {
  const esc = (t: string): string => t.replace(/\|/g, '\\|')
  const lines = rows.map((row, i) => {
    const { o } = row
    const outcome = `${o.code === 0 ? 'success' : 'failure'} (exit ${o.code}), \`result=${o.result}\``
    const comments = `${o.liveComments}${o.commentWarning ? ' (warning)' : ''}`
    return `| ${i + 1} | ${esc(row.fault)} | ${row.on} | ${esc(trace(row))} | ${esc(narrate(row))} | ${o.sessions} | ${comments} | ${outcome} |`
  })
  return [
    '# Fault table',
    '',
    '<!-- Generated by test/e2e/faults.test.ts from what each row observed. Do not edit by hand:',
    '     run `UPDATE_FAULT_TABLE=1 npx vitest run test/e2e/faults.test.ts` after `npm run build`. -->',
    '',
    'Each row runs the built action (`dist/index.js`, Node 24) once against the loopback Devin and',
    'GitHub emulators with one fault injected, and records what the emulators saw. "Requests" lists',
    "the calls to the faulted API in order with the emulator's answer (`dropped`: the connection was",
    'closed without an answer; `timed out`: the emulator held the answer until the action gave up',
    'on it). Rows on Devin show the create and any lookup by the run tag, and with `reuse-session`',
    "the search for the live session of the thread among the PR's sessions (`find live`) and the follow-up `message`;",
    'rows on GitHub show the comment calls. "Sessions created" counts the sessions the run created:',
    'a reused session was created by an earlier run.',
    '',
    '| # | Fault | Injected on | Requests | What the action did | Sessions created | Sticky comments | Step outcome |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...lines,
    '',
    '## Two runs racing on one PR',
    '',
    'The same test file starts two runs of the action at once on one PR, with the comment list',
    'answered only once both runs have asked for it, so that both see no sticky comment and both',
    'create one. Each run creates its own session (each run has its own run id, so its own run',
    'tag); afterwards one sticky comment is left, the oldest, and both runs report its URL as',
    '`comment-url`: the later duplicate is deleted by whichever run notices it. A `concurrency:`',
    'group per PR keeps two runs from racing (and from paying for two sessions) in the first',
    'place:',
    '',
    '```yaml',
    'concurrency:',
    '  group: devin-handoff-${{ github.event.pull_request.number || github.ref }}',
    '  cancel-in-progress: false # a cancelled run may already have created its session',
    '```',
    '',
    ...renderWindows(windows)
  ].join('\n')
}

const isLookup = (q: RecordedRequest): boolean =>
  q.method === 'GET' &&
  SESSIONS.test(q.path) &&
  [q.query.tags].flat().some((t) => typeof t === 'string' && t.startsWith('gh-run:'))
/** Reuse looks for the live session of the thread in the list of the PR's sessions. */
const isFindLive = (q: RecordedRequest): boolean =>
  q.method === 'GET' && SESSIONS.test(q.path) && [q.query.tags].flat().some((t) => t === PR_TAG)

function observe(t: PrScenario, r: ActionResult): Observed {
  const creates = t.devin.requestsTo('POST', SESSIONS)
  const lookups = t.devin.requests.filter(isLookup)
  const messages = t.devin.requestsTo('POST', MESSAGES)
  const findLive = t.devin.requests.filter(isFindLive)
  const commentCalls = t.github.requests.filter((q) => q.path === GH_LIST || GH_ONE.test(q.path))
  const warnings = r.commands.filter((c) => c.command === 'warning').map((c) => c.message)
  return {
    sessions: t.devin.createCount,
    creates,
    lookups,
    messages,
    devinCalls: [...creates, ...lookups, ...messages, ...findLive].sort((a, b) => a.at - b.at),
    commentCalls,
    recovered: /Recovered Devin session/.test(r.stdout),
    liveComments: t.github.liveComments(PR).length,
    commentWarning: warnings.some((w) => w.startsWith('Could not write the PR comment')),
    warnings,
    code: r.code,
    result: r.outputs.result ?? ''
  }
}

const observed = new Map<number, TableRow>()

describe.concurrent(
  'faults: each row ends with exactly one session for the run and a green step',
  () => {
    // Every row's git checkout is made before any row runs: making one blocks this process (sync
    // git), and with it the emulators answering the rows already running.
    const scenarios: PrScenario[] = []
    beforeAll(async () => {
      for (const _row of ROWS) scenarios.push(await prScenario())
    }, 300_000)
    afterAll(async () => {
      await Promise.all(scenarios.map((t) => t.close()))
    })

    ROWS.forEach((row, i) => {
      it(`${row.on}: ${row.fault}`, async () => {
        const t = scenarios[i] as PrScenario
        try {
          row.setup(t)
          const env = { ...t.options().env, ...row.env }
          const r = await t.run(row.inputs ?? {}, { env, timeoutMs: 45_000 })
          // The action has exited, so its connections are closing: let every held answer settle.
          await Promise.all([t.devin, t.github].map((e) => e.waitFor(() => e.holding === 0)))
          const o = observe(t, r)
          const log = `${r.stdout}\n${r.stderr}`
          expect(o.sessions, log).toBe(row.expect.sessions ?? 1)
          expect(r.code, log).toBe(0)
          expect(o.result).toBe(row.expect.result ?? 'created')
          if (row.expect.result === undefined)
            expect(r.outputs['session-id']).toBe([...t.devin.sessions.keys()][0])
          expect(o.creates.length, log).toBe(row.expect.creates)
          if (row.expect.lookups !== undefined)
            expect(o.lookups.length, log).toBe(row.expect.lookups)
          if (row.expect.recovered !== undefined)
            expect(o.recovered, log).toBe(row.expect.recovered)
          expect(o.liveComments, log).toBe(row.expect.comments)
          expect(o.commentWarning, log).toBe(row.expect.commentWarning ?? false)
          if (row.expect.comments === 1) {
            const [c] = t.github.liveComments(PR)
            expect(c?.body, log).toContain(r.outputs['session-id'])
            expect(r.outputs['comment-url'], log).toContain(String(c?.id))
          }
          // No injected fault may turn into a red check or an error annotation.
          expect(r.commands.filter((c) => c.command === 'error')).toEqual([])
          expectRetryAfterHonoured(t.devin.requests)
          expectRetryAfterHonoured(t.github.requests)
          row.check?.(t, r, o)
          observed.set(i, { fault: row.fault, on: row.on, side: row.side, o })
        } finally {
          // The emulators only: removing the checkout (sync) waits for afterAll.
          await Promise.all([t.devin.close(), t.github.close()])
        }
      })
    })
  }
)

const windows = new Map<number, { row: CancelRow; o: CancelObserved }>()

describe.concurrent('cancellation windows: the run ends true whatever the instant', () => {
  const scenarios: PrScenario[] = []
  beforeAll(async () => {
    for (const _row of CANCEL_ROWS) scenarios.push(await prScenario())
  }, 300_000)
  afterAll(async () => {
    await Promise.all(scenarios.map((t) => t.close()))
  })

  CANCEL_ROWS.forEach((row, i) => {
    it(row.window, async () => {
      const t = scenarios[i] as PrScenario
      try {
        const o = await runWindow(row, t)
        expectTrueEnd(o)
        row.check(o, t)
        windows.set(i, { row, o })
      } finally {
        await Promise.all([t.devin.close(), t.github.close()])
      }
    })
  })
})

describe('two workflow runs racing on the same PR', () => {
  it('end with one sticky comment: the oldest is kept, the later duplicate deleted', async () => {
    const t = await prScenario()
    try {
      // Both runs read the (empty) comment list before either has written: a real race. Each
      // list is answered as it stood when it arrived, once both runs have asked.
      const bothListed = t.github.received('GET', GH_LIST, 2)
      t.github.fault({ method: 'GET', path: GH_LIST, times: 2 }, { until: bothListed })
      const env = t.options().env ?? {}
      const a = t.start({}, { env: { ...env, GITHUB_RUN_ID: '5000000001' } })
      const b = t.start({}, { env: { ...env, GITHUB_RUN_ID: '5000000002' } })
      const [ra, rb] = await Promise.all([a.done, b.done])
      expect(ra.code, ra.stdout).toBe(0)
      expect(rb.code, rb.stdout).toBe(0)
      // One session per run (two runs), each under its own run tag.
      expect(t.devin.createCount).toBe(2)
      const runTags = t.devin
        .requestsTo('POST', SESSIONS)
        .map((q) => (q.json as { tags: string[] }).tags.find((x) => x.startsWith('gh-run:')))
      expect(new Set(runTags).size).toBe(2)
      const posts = t.github.requestsTo('POST', GH_LIST)
      expect(posts, 'both runs must have created a comment for the race to be real').toHaveLength(2)
      const all = t.github.comments.filter((c) => c.issue === PR)
      expect(all).toHaveLength(2)
      const live = t.github.liveComments(PR)
      expect(live).toHaveLength(1)
      const oldest = [...all].sort((x, y) => x.id - y.id)[0]
      expect(live[0]?.id).toBe(oldest?.id)
      expect(t.github.requestsTo('DELETE', GH_ONE).length).toBeGreaterThanOrEqual(1)
      expect(ra.outputs['comment-url']).toBe(rb.outputs['comment-url'])
      expect(ra.outputs['comment-url']).toContain(String(oldest?.id))
    } finally {
      await t.close()
    }
  })
})

describe('docs/faults.md', () => {
  it('matches what the rows above observed (UPDATE_FAULT_TABLE=1 regenerates it)', () => {
    const missing = [
      ...ROWS.map((r, i) => (observed.has(i) ? '' : r.fault)),
      ...CANCEL_ROWS.map((r, i) => (windows.has(i) ? '' : r.window))
    ].filter(Boolean)
    expect(missing, 'rows that failed produce no table line').toEqual([])
    const table = renderFaultTable(
      ROWS.map((_r, i) => observed.get(i) as TableRow),
      CANCEL_ROWS.map((_r, i) => windows.get(i) as { row: CancelRow; o: CancelObserved })
    )
    const file = join(REPO_ROOT, FAULT_TABLE_PATH)
    if (process.env.UPDATE_FAULT_TABLE === '1') writeFileSync(file, table)
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : ''
    expect(
      committed,
      `${FAULT_TABLE_PATH} is out of date: run UPDATE_FAULT_TABLE=1 npx vitest run test/e2e/faults.test.ts`
    ).toBe(table)
  })
})
