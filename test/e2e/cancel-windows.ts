/**
 * Cancellation windows: the built action is cancelled at one chosen instant of its run, the way
 * the runner does it (SIGINT, or SIGKILL as its last resort), and the post step runs after it.
 * Each instant is reached without a clock: the emulator holds the request of that instant, the
 * test waits until it has arrived, sends the signal, waits until the action says it is
 * finalizing, and only then lets the answer go (or never does). faults.test.ts runs the rows and
 * renders what they observed into docs/faults.md.
 *
 * What every row must show: at most one session; a session that exists is named in the comment
 * and the summary by the end (and in the outputs whenever the main step could know it); the
 * comment never stays at "working", nor a check run in progress (a required check would block
 * the PR for good); a session Devin is not working on is never stopped.
 */
import type { ChildProcess } from 'node:child_process'
import { expect } from 'vitest'
import type { StoredSession } from '../emulators/devin.ts'
import type { RecordedRequest } from '../emulators/http.ts'
import { stateOf } from '../helpers/comment.ts'
import { runPost, startAction, type ActionResult } from '../helpers/run-action.ts'
import { OWNER, PR, PR_TAG, REPO, THREAD_TAG, type PrScenario } from '../helpers/scenario.ts'

const SLUG = `${OWNER}/${REPO}`
const SESSIONS = /^\/v3\/organizations\/[^/]+\/sessions$/
const ONE_SESSION = /^\/v3\/organizations\/[^/]+\/sessions\/devin-[0-9a-f]+$/
const MESSAGES = /^\/v3\/organizations\/[^/]+\/sessions\/[^/]+\/messages$/
const TAGS = /^\/v3\/organizations\/[^/]+\/sessions\/[^/]+\/tags$/
const GH_LIST = `/repos/${SLUG}/issues/${PR}/comments`
const GH_ONE = new RegExp(`^/repos/${SLUG}/issues/comments/\\d+$`)
const PERMISSION = /\/collaborators\/[^/]+\/permission$/
const GH_CHECK_RUNS = new RegExp(`^/repos/${SLUG}/check-runs(?:/\\d+)?$`)

/** How a row reaches its instant: faults set before the start, then the instant to wait for. */
interface Arming {
  /** Resolves once the action is at the instant wanted. */
  at: () => Promise<void>
  /** Runs right before the signal (e.g. Devin changes while the action is killed). */
  before?: () => void
}

export interface CancelRow {
  /** When the signal comes, in words. */
  window: string
  inputs?: Record<string, string>
  signal?: 'SIGINT' | 'SIGKILL'
  /** Sets the scene; `gate` settles once the action has said it is finalizing (or was killed). */
  arm(t: PrScenario, gate: Promise<void>): Arming
  check(o: CancelObserved, t: PrScenario): void
}

export interface CancelObserved {
  main: ActionResult
  post: ActionResult
  /** Sessions this run created. */
  created: number
  /** The session the run worked with (created or reused), if any exists. */
  session?: StoredSession
  /** Comment bodies after the main step and after the post step ('' if none). */
  afterMain: string
  afterPost: string
  liveComments: number
  /** Each check run as the post step left it: `status` or `status/conclusion`. */
  checks: string[]
  /** DELETEs of the session by the main step and by the post step. */
  stops: { main: number; post: number }
  /** What the post step sent. */
  postDevin: RecordedRequest[]
  postGitHub: RecordedRequest[]
  /** Which of the main step's own bounds cut its finalization short (it says so). */
  gaveUp: { start: boolean; finalWrite: boolean }
}

const gets = (t: PrScenario): number =>
  t.devin.requests.filter((r) => r.method === 'GET' && ONE_SESSION.test(r.path)).length
const comment = (t: PrScenario): string => t.github.liveComments(PR)[0]?.body ?? ''
const working = (t: PrScenario): boolean => stateOf(comment(t)) === '⏳ Working'
const hold = (gate: Promise<void>) => ({ until: gate })
/** Devin works until told otherwise. */
const busy = (t: PrScenario): void =>
  t.devin.script([{ status: 'claimed' }, { status: 'running', status_detail: 'working' }])
/** Devin stops to ask the user something after a few polls. */
const asks = (t: PrScenario): void =>
  t.devin.script([
    { status: 'claimed' },
    { status: 'running', status_detail: 'working' },
    { status: 'running', status_detail: 'waiting_for_user' }
  ])
const waiting = { wait: 'true', 'poll-interval': '1', 'stop-on-cancel': 'true' }
const STOP = { 'stop-on-cancel': 'true' }

/** The session this run used is named in the comment, and in the summary of main or post. */
function named(o: CancelObserved, where: 'outputs' | 'comment' | 'summary'): boolean {
  const id = o.session?.devinId
  if (!id) return false
  if (where === 'outputs') return o.main.outputs['session-id'] === id
  if (where === 'comment') return o.afterPost.includes(id)
  return o.main.summary.includes(id) || o.post.summary.includes(id)
}

export const CANCEL_ROWS: CancelRow[] = [
  {
    window: 'before anything is sent (the permission lookup is out)',
    inputs: STOP,
    arm: (t, gate) => {
      t.github.fault({ method: 'GET', path: PERMISSION }, hold(gate))
      return { at: () => t.github.received('GET', PERMISSION) }
    },
    check: (o, t) => {
      // The pipeline went on once the answer came, and must not have sent anything.
      expect(t.devin.requests).toEqual([])
      expect(t.github.requests.filter((q) => q.method !== 'GET')).toEqual([])
      expect(o.main.outputs.result).toBe('')
      expect(o.main.summary).toMatch(/## 🛑 Workflow cancelled/)
      expect(o.main.summary).toMatch(/before anything was handed off to Devin/)
    }
  },
  {
    window: 'during the create request; its answer comes after the signal',
    inputs: STOP,
    arm: (t, gate) => {
      t.devin.fault({ method: 'POST', path: SESSIONS }, hold(gate))
      return { at: () => t.devin.received('POST', SESSIONS) }
    },
    check: (o) => {
      expect(named(o, 'outputs') && named(o, 'comment') && named(o, 'summary')).toBe(true)
      expect(o.main.outputs.result).toBe('created')
      expect(o.stops).toEqual({ main: 1, post: 0 })
    }
  },
  {
    window: 'during the create request; no answer before the cancel must end',
    inputs: STOP,
    arm: (t) => {
      t.devin.fault({ method: 'POST', path: SESSIONS }, { hang: true })
      return { at: () => t.devin.received('POST', SESSIONS) }
    },
    check: (o) => {
      expect(o.main.outputs['session-id']).toBe('')
      expect(o.gaveUp).toEqual({ start: true, finalWrite: false })
      expect(o.afterMain).toMatch(/the post step looks for it by its tag gh-run:/)
      // The post step found it by the run tag, named it and stopped it.
      expect(named(o, 'comment') && named(o, 'summary')).toBe(true)
      expect(o.stops).toEqual({ main: 0, post: 1 })
    }
  },
  {
    window: 'killed (SIGKILL) during the create request',
    inputs: STOP,
    signal: 'SIGKILL',
    arm: (t, gate) => {
      t.devin.fault({ method: 'POST', path: SESSIONS }, hold(gate))
      return { at: () => t.devin.received('POST', SESSIONS) }
    },
    check: (o) => {
      // What the main step saved before the create was sent is enough to find the session.
      expect(named(o, 'comment') && named(o, 'summary')).toBe(true)
      expect(o.afterPost).toMatch(/was stopped \(stop-on-cancel\)/)
      expect(o.stops).toEqual({ main: 0, post: 1 })
    }
  },
  {
    window: 'during the first comment write of a waiting run',
    inputs: waiting,
    arm: (t, gate) => {
      busy(t)
      t.github.fault({ method: 'POST', path: GH_LIST }, hold(gate))
      return { at: () => t.github.received('POST', GH_LIST) }
    },
    check: (o) => {
      expect(named(o, 'outputs') && named(o, 'comment') && named(o, 'summary')).toBe(true)
      expect(stateOf(o.afterMain)).toBe('🛑 Cancelled')
      expect(o.stops).toEqual({ main: 1, post: 0 })
    }
  },
  {
    window: 'while waiting, between polls',
    inputs: waiting,
    arm: (t) => {
      busy(t)
      return { at: () => t.devin.waitFor(() => gets(t) >= 2 && working(t), 'polling') }
    },
    check: (o) => {
      expect(o.afterMain).toMatch(/was stopped \(stop-on-cancel\)/)
      expect(o.stops).toEqual({ main: 1, post: 0 })
    }
  },
  {
    window: 'during the final comment write; Devin waits for the user; the write lands',
    inputs: waiting,
    arm: (t, gate) => {
      asks(t)
      t.github.fault({ method: 'PATCH', path: GH_ONE }, hold(gate))
      return { at: () => t.github.received('PATCH', GH_ONE) }
    },
    check: (o, t) => {
      // The held write was the final one: the run had ended, and the cancel changed nothing.
      const held = t.github.requestsTo('PATCH', GH_ONE)[0]?.json as { body?: string } | undefined
      expect(stateOf(held?.body ?? '')).toBe('💬 Needs input')
      expect(stateOf(o.afterPost)).toBe('💬 Needs input')
      expect(o.main.outputs.result).toBe('needs-input')
      expect(o.stops).toEqual({ main: 0, post: 0 })
    }
  },
  {
    window: 'during the final comment write; Devin waits for the user; the write never lands',
    inputs: waiting,
    arm: (t) => {
      asks(t)
      t.github.fault({ method: 'PATCH', path: GH_ONE }, { hang: true })
      return { at: () => t.github.received('PATCH', GH_ONE) }
    },
    check: (o) => {
      expect(o.gaveUp).toEqual({ start: false, finalWrite: true })
      // The post step wrote the end the main step had reached, and stopped nothing.
      expect(stateOf(o.afterPost)).toBe('💬 Needs input')
      expect(o.postDevin).toEqual([])
      expect(o.stops).toEqual({ main: 0, post: 0 })
    }
  },
  {
    window: 'killed (SIGKILL) while waiting, after Devin began waiting for the user',
    inputs: waiting,
    signal: 'SIGKILL',
    arm: (t) => {
      busy(t)
      return {
        at: () => t.devin.waitFor(() => gets(t) >= 2 && working(t), 'polling'),
        // Devin asks between two polls: the action never saw it.
        before: () => {
          const [id] = [...t.devin.sessions.keys()]
          t.devin.setSession(id ?? '', { status: 'running', status_detail: 'waiting_for_user' })
        }
      }
    },
    check: (o) => {
      expect(o.afterPost).toMatch(/the Devin session was not stopped: Devin is waiting/)
      expect(o.stops).toEqual({ main: 0, post: 0 })
    }
  },
  {
    window: 'during the follow-up message to a reused session; its answer comes after the signal',
    inputs: { 'reuse-session': 'true' },
    arm: (t, gate) => {
      t.devin.seedSession({
        prompt: 'an earlier handoff',
        tags: ['github-action', PR_TAG, THREAD_TAG]
      })
      t.devin.fault({ method: 'POST', path: MESSAGES }, hold(gate))
      return { at: () => t.devin.received('POST', MESSAGES) }
    },
    check: (o) => {
      expect(named(o, 'outputs') && named(o, 'comment') && named(o, 'summary')).toBe(true)
      expect(o.main.outputs.result).toBe('reused')
      expect(o.afterMain).toMatch(/the Devin session keeps running/)
    }
  }
]

/** Resolves once the action's output so far matches `re`, or it has exited (it did not say so). */
function printed(child: ChildProcess, re: RegExp): Promise<void> {
  let out = ''
  return new Promise((resolve) => {
    const onData = (chunk: Buffer | string): void => {
      out += String(chunk)
      if (re.test(out)) resolve()
    }
    child.stdout?.on('data', onData)
    child.once('exit', () => resolve())
  })
}

const deletes = (requests: RecordedRequest[]): number =>
  requests.filter((q) => q.method === 'DELETE' && ONE_SESSION.test(q.path)).length

/** Runs one row: the main step cancelled at its instant, then the post step. */
export async function runWindow(row: CancelRow, t: PrScenario): Promise<CancelObserved> {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  const arming = row.arm(t, gate)
  const opts = t.options({ prompt: 'Polish the README', ...row.inputs }, { timeoutMs: 60_000 })
  const { child, done } = startAction(opts)
  await arming.at()
  arming.before?.()
  if (row.signal === 'SIGKILL') child.kill('SIGKILL')
  else {
    const finalizing = printed(child, /Received SIGINT/)
    child.kill('SIGINT')
    await finalizing
  }
  release()
  const main = await done
  // The action has exited: let every held answer settle before looking.
  await Promise.all([t.devin, t.github].map((e) => e.waitFor(() => e.holding === 0)))
  t.devin.clearFaults()
  t.github.clearFaults()
  const afterMain = comment(t)
  const marks = { devin: t.devin.requests.length, github: t.github.requests.length }
  const post = await runPost(main, opts)
  const postDevin = t.devin.requests.slice(marks.devin)
  const postGitHub = t.github.requests.slice(marks.github)
  const seeded = row.inputs?.['reuse-session'] === 'true'
  return {
    main,
    post,
    created: t.devin.createCount,
    session: seeded ? [...t.devin.sessions.values()][0] : [...t.devin.sessions.values()].at(-1),
    afterMain,
    afterPost: comment(t),
    liveComments: t.github.liveComments(PR).length,
    checks: t.github.checkRuns.map((c) =>
      c.conclusion ? `${c.status}/${c.conclusion}` : c.status
    ),
    stops: {
      main: deletes(t.devin.requests.slice(0, marks.devin)),
      post: deletes(postDevin)
    },
    postDevin,
    postGitHub,
    gaveUp: {
      start: /the session start in flight took longer than \d+ ms/.test(main.stdout),
      finalWrite: /(the final write|writing the final comment and summary) took longer than/.test(
        main.stdout
      )
    }
  }
}

/** What every row must show, whatever its instant. */
export function expectTrueEnd(o: CancelObserved): void {
  const log = `${o.main.stdout}\n${o.main.stderr}\n--- post ---\n${o.post.stdout}`
  expect(o.created, log).toBeLessThanOrEqual(1)
  expect(o.liveComments, log).toBeLessThanOrEqual(1)
  expect(stateOf(o.afterPost), log).not.toBe('⏳ Working')
  expect(o.checks.length, log).toBeLessThanOrEqual(1)
  for (const c of o.checks) expect(c, log).toMatch(/^completed\//)
  expect(o.post.code, log).toBe(0)
  if (o.main.signal !== 'SIGKILL') {
    // It exited by itself, inside the runner's grace period (its own deadline).
    expect(o.main.signal, log).toBeNull()
    expect(o.main.code, log).toBe(1)
  }
  // A summary is written: by the main step, or, when it could not finish, by the post step.
  const wrote = o.main.signal === null && !o.gaveUp.finalWrite ? o.main.summary : o.post.summary
  expect(wrote, log).toMatch(/^## /)
  if (o.session) {
    expect(named(o, 'comment') || o.liveComments === 0, log).toBe(true)
    expect(named(o, 'summary'), log).toBe(true)
  }
}

// ---------------------------------------------------------------------------------------------
// The table

/** The comment's state as its bold headline says it (the rest of the line holds times). */
function headline(body: string): string {
  if (body === '') return '(no comment)'
  return stateOf(body) ?? '(no headline)'
}

function mainStep(o: CancelObserved): string {
  if (o.main.signal) return `killed (${o.main.signal})`
  const result = o.main.outputs.result ? `\`result=${o.main.outputs.result}\`` : 'no `result`'
  const notes = [
    o.gaveUp.start ? 'stopped waiting for the answer at its bound' : '',
    o.gaveUp.finalWrite ? 'its bound cut the final write short' : ''
  ].filter(Boolean)
  return [`exit ${o.main.code}, ${result}`, ...notes].join('; ')
}

function namedBy(o: CancelObserved): string {
  const id = o.session?.devinId
  if (!id) return '—'
  const where: string[] = []
  if (o.main.outputs['session-id'] === id) where.push('outputs')
  if (o.afterMain.includes(id)) where.push('comment')
  if (o.main.summary.includes(id)) where.push('summary')
  return where.join(', ') || 'nowhere'
}

function postStep(o: CancelObserved): string {
  const did: string[] = []
  const devin = o.postDevin
  if (devin.some((q) => q.method === 'GET' && SESSIONS.test(q.path)))
    did.push('looked the session up by its run tag')
  if (devin.some((q) => q.method === 'GET' && ONE_SESSION.test(q.path)))
    did.push('read the session')
  if (deletes(devin) > 0) did.push('stopped it')
  if (devin.some((q) => q.method === 'PUT' && TAGS.test(q.path))) did.push('wrote its tags')
  // A waiting run shows a check run beside the comment (status-check: auto); each is its own write.
  const writes = o.postGitHub.filter((q) => q.method !== 'GET')
  if (writes.some((q) => !GH_CHECK_RUNS.test(q.path))) did.push('wrote the comment')
  if (writes.some((q) => GH_CHECK_RUNS.test(q.path))) did.push('wrote the check run')
  if (o.post.summary !== '') did.push('wrote the summary')
  return did.length > 0 ? did.join(', ') : 'nothing to do'
}

function checkAtEnd(o: CancelObserved): string {
  return o.checks.map((c) => `\`${c.replace('/', '` / `')}\``).join(', ') || '—'
}

function sessionAtEnd(o: CancelObserved): string {
  const s = o.session
  if (!s) return 'none was created'
  if (s.terminated) return 'stopped'
  const d = s.state.status_detail
  return `\`${s.state.status}\`${d ? ` / \`${d}\`` : ''}`
}

export function renderWindows(rows: Array<{ row: CancelRow; o: CancelObserved }>): string[] {
  const esc = (t: string): string => t.replace(/\|/g, '\\|')
  return [
    '## Cancellation windows',
    '',
    'Each row cancels the built action at one instant of its run the way the runner does',
    '(SIGINT, which the action answers within its own 6.5 s deadline, or SIGKILL), then runs the',
    'post step with the state the main step saved. The instant is reached without a clock: the',
    'emulator holds the request of that instant until the action has said it is finalizing (or',
    'never answers it). Rows with `stop-on-cancel: true` except the follow-up row. "Named by the',
    'main step": where the main step named the session; by the end the comment and a summary',
    'always name a session that exists. A run that waits shows a check run too',
    '(`status-check: auto`); none is left in progress.',
    '',
    '| # | The signal comes | Main step | Named by the main step | Post step | Comment at the end | Check run at the end | Session at the end |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      ({ row, o }, i) =>
        `| ${i + 1} | ${esc(row.window)} | ${mainStep(o)} | ${namedBy(o)} | ${postStep(o)} | ${esc(headline(o.afterPost))} | ${checkAtEnd(o)} | ${sessionAtEnd(o)} |`
    ),
    '',
    'A `mode: review` run is cancelled through the same guard and post step. A review cannot be',
    'stopped, so nothing is sent on cancel: the comment says Devin Review goes on and posts its',
    "findings on the pull request (or, when the request's answer had not come, that a review may",
    'still appear), and the `Devin Review` check run ends `cancelled` (`test/e2e/review.test.ts`,',
    '"a cancelled wait").',
    ''
  ]
}
