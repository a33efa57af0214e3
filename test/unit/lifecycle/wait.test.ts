import { EventEmitter } from 'node:events'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startDevinEmulator, type DevinEmulator, type SessionStep } from '../../emulators/devin.ts'
import { startGitHubEmulator, type GitHubEmulator } from '../../emulators/github.ts'
import { DevinApiError, DevinClient, DevinNetworkError } from '../../../src/devin/client.ts'
import { readRunContext } from '../../../src/run/context.ts'
import { readInputs } from '../../../src/run/inputs.ts'
import { Reporter } from '../../../src/report/reporter.ts'
import type { RunState } from '../../../src/state/run-state.ts'
import { followingState } from '../../helpers/run-state.ts'
import { StickyComment } from '../../../src/github/sticky-comment.ts'
import { createGitHubApi, type GitHubApi } from '../../../src/github/client.ts'
import { parseState } from '../../../src/state/saved.ts'
import { CANCEL_BUDGET, cancelNote, stopSession } from '../../../src/lifecycle/cancel.ts'
import { guardRun } from '../../../src/lifecycle/guard.ts'
import { watchForCancel } from '../../../src/lifecycle/signals.ts'
import {
  failureDelay,
  isTransient,
  pollDelay,
  waitForSession,
  type WaitDeps
} from '../../../src/lifecycle/wait.ts'
import { forDevin } from '../../helpers/gated.ts'
import { linkHosts } from '../../../src/egress/markdown.ts'

const PR = 7

/** Virtual time: sleeping advances it at once; `onSleep` runs at each wake-up. */
class VClock {
  t = Date.now()
  sleeps: number[] = []
  onWake?: (t: number) => void
  now = (): number => this.t
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms)
    if (signal?.aborted) return
    this.t += ms
    this.onWake?.(this.t)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

interface Harness {
  devin: DevinEmulator
  gh?: GitHubEmulator
  client: DevinClient
  state: RunState
  reporter: Reporter
  clock: VClock
  warnings: string[]
  infos: string[]
  printed: Array<{ title: string; body: string }>
  edits: Array<{ at: number; body: string }>
  clientWaits: number[]
  deps: WaitDeps
  workspace: string
  sessionId: string
  dir: string
}

const cleanups: Array<() => Promise<void>> = []
let scratch = ''

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'wait-test-'))
  process.env.GITHUB_OUTPUT = path.join(scratch, 'output')
  process.env.GITHUB_STATE = path.join(scratch, 'state')
  process.env.GITHUB_STEP_SUMMARY = path.join(scratch, 'summary')
  for (const f of ['output', 'state', 'summary']) await writeFile(path.join(scratch, f), '')
})

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
  await rm(scratch, { recursive: true, force: true })
  // finalizeCancelled marks the step failed; that must not fail the test worker.
  process.exitCode = undefined
})

async function setup(
  o: {
    steps?: SessionStep[]
    inputs?: Record<string, string>
    comment?: boolean
    maxAttempts?: number
  } = {}
): Promise<Harness> {
  const devin = await startDevinEmulator()
  cleanups.push(() => devin.close())
  const workspace = path.join(scratch, 'ws')
  const clock = new VClock()
  const clientWaits: number[] = []
  const warnings: string[] = []
  const infos: string[] = []
  const client = new DevinClient({
    apiUrl: devin.url,
    apiKey: devin.apiKey,
    maxAttempts: o.maxAttempts ?? 5,
    random: () => 0,
    sleep: async (ms) => {
      clientWaits.push(ms)
      clock.t += ms
    }
  })
  cleanups.push(() => client.close())
  const env = {
    GITHUB_REPOSITORY: 'octo/repo',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com'
  }
  const ctx = readRunContext(env)
  const values: Record<string, string> = {
    'api-key': devin.apiKey,
    prompt: 'Fix the build',
    wait: 'true',
    'poll-interval': '30',
    'timeout-minutes': '60',
    ...o.inputs
  }
  const inputs = await readInputs((n) => values[n] ?? '', workspace)
  let gh: GitHubEmulator | undefined
  let api: GitHubApi | undefined
  const edits: Array<{ at: number; body: string }> = []
  if (o.comment) {
    gh = await startGitHubEmulator({ owner: 'octo', repo: 'repo', issues: [{ number: PR }] })
    cleanups.push(() => gh?.close() ?? Promise.resolve())
    api = await createGitHubApi({
      token: 'ghs_test_token',
      owner: 'octo',
      repo: 'repo',
      apiUrl: gh.url
    })
    const real = api
    api = {
      ...real,
      updateComment: async (id, body) => {
        edits.push({ at: clock.t, body })
        return real.updateComment(id, body)
      }
    }
  }
  const scrub = (t: string): string => t.split(devin.apiKey).join('***')
  const log = {
    info: (m: string) => infos.push(m),
    warning: (m: string) => warnings.push(m),
    debug: () => undefined,
    notice: () => undefined,
    block: () => undefined
  }
  devin.script(o.steps ?? [{ status: 'running', status_detail: 'finished' }])
  const { session } = await client.createSession(
    devin.orgId,
    forDevin({ prompt: 'Fix the build', tags: ['github-action'] }),
    { dedupeTag: 'gh-run:test' }
  )
  const state = followingState(session, {
    orgId: devin.orgId,
    clock: clock.now,
    runUrl: ctx.runUrl,
    commentKey: inputs.commentKey
  })
  const reporter = new Reporter({
    state,
    scrub,
    stopOnCancel: inputs.stopOnCancel,
    links: linkHosts('https://github.com'),
    log
  })
  if (api) reporter.commentOn(new StickyComment(api, PR, inputs.commentKey))
  if (api) await reporter.publish()
  const printed: Array<{ title: string; body: string }> = []
  const deps: WaitDeps = {
    state,
    devin: client,
    orgId: devin.orgId,
    settings: {
      pollIntervalSeconds: inputs.pollIntervalSeconds,
      timeoutMinutes: inputs.timeoutMinutes,
      attachmentsDir: inputs.attachmentsPath
        ? path.resolve(workspace, inputs.attachmentsPath)
        : undefined,
      workspace
    },
    publish: () => reporter.publish(),
    scrub,
    log,
    clock: clock.now,
    sleep: clock.sleep,
    random: () => 0,
    print: (title, body) => printed.push({ title, body })
  }
  const dir = path.join(workspace, 'out')
  return {
    devin,
    gh,
    client,
    state,
    reporter,
    clock,
    warnings,
    infos,
    printed,
    edits,
    clientWaits,
    deps,
    workspace,
    sessionId: session.sessionId,
    dir
  }
}

const sessionGets = (h: Harness): number =>
  h.devin.requestsTo('GET', `/v3/organizations/${h.devin.orgId}/sessions/${h.sessionId}`).length
describe('poll timing helpers', () => {
  it('jitters each poll later by at most 5% and 0.5 s, never earlier than the interval', () => {
    expect(pollDelay(30_000, () => 0)).toBe(30_000)
    expect(pollDelay(30_000, () => 0.999999)).toBe(30_500)
    expect(pollDelay(30_000, () => 0.5)).toBe(30_250)
    expect(pollDelay(1000, () => 0.999999)).toBe(1050)
    expect(pollDelay(600_000, () => 0.999999)).toBe(600_500)
  })

  it('backs off after failed polls, capped', () => {
    expect([1, 2, 3, 4].map((n) => failureDelay(30_000, n))).toEqual([
      30_000, 60_000, 120_000, 120_000
    ])
    expect(failureDelay(300_000, 5)).toBe(300_000)
  })

  it('tolerates only failures that can pass', () => {
    const api = (status: number) =>
      new DevinApiError('x', { status, detail: '', method: 'GET', path: '/' })
    expect(isTransient(api(503))).toBe(true)
    expect(isTransient(api(429))).toBe(true)
    expect(
      isTransient(
        new DevinNetworkError('x', {
          method: 'GET',
          path: '/',
          code: 'ECONNRESET',
          timedOut: false
        })
      )
    ).toBe(true)
    expect(isTransient(api(404))).toBe(false)
    expect(isTransient(api(401))).toBe(false)
    expect(isTransient(new Error('bug'))).toBe(false)
  })
})

describe('waitForSession end states', () => {
  it('follows new → claimed → running/working → running/finished', async () => {
    const h = await setup({
      steps: [
        { status: 'claimed' },
        { status: 'running', status_detail: 'working', acus_consumed: 1.5 },
        { status: 'running', status_detail: 'working' },
        {
          status: 'running',
          status_detail: 'finished',
          acus_consumed: 3.25,
          pull_requests: [{ pr_url: 'https://github.com/octo/repo/pull/8', pr_state: 'open' }],
          structured_output: { ok: true }
        }
      ]
    })
    const t0 = h.clock.t
    await waitForSession(h.deps)
    const r = h.state.report
    expect(r.result).toBe('finished')
    expect(r.session?.status).toBe('running')
    expect(r.session?.detail).toBe('finished')
    expect(r.session?.acus).toBe(3.25)
    expect(r.session?.pullRequests).toEqual(['https://github.com/octo/repo/pull/8'])
    expect(r.session?.structuredOutput).toEqual({ ok: true })
    expect(r.timeline.map((e) => e.text)).toEqual([
      'session created (new)',
      'claimed: starting',
      'running/working: Devin is working',
      'running/finished: Devin finished',
      'opened https://github.com/octo/repo/pull/8'
    ])
    expect(sessionGets(h)).toBe(4)
    // Fixed cadence: four polls at 30 s each (random 0 = no jitter).
    expect(h.clock.t - t0).toBe(120_000)
    expect(r.wait?.polls).toBe(4)
    expect(h.warnings).toEqual([])
  })

  it.each([
    [
      { status: 'running', status_detail: 'waiting_for_user' },
      'needs-input',
      /waiting for a reply/
    ],
    [{ status: 'running', status_detail: 'waiting_for_approval' }, 'needs-input', /approval/],
    [{ status: 'exit' }, 'finished', undefined],
    [{ status: 'error' }, 'error', /error/],
    [
      { status: 'suspended', status_detail: 'out_of_credits' },
      'suspended',
      /out of credits.*resolve/
    ],
    [{ status: 'suspended', status_detail: 'inactivity' }, 'suspended', /inactivity.*message wakes/]
  ] as const)('maps %o to %s', async (step, result, note) => {
    const h = await setup({ steps: [{ status: 'running', status_detail: 'working' }, step] })
    await waitForSession(h.deps)
    expect(h.state.report.result).toBe(result)
    expect(h.state.report.session?.status).toBe(step.status)
    if (note) expect(h.state.report.note).toMatch(note)
    else expect(h.state.report.note).toBeUndefined()
    expect(sessionGets(h)).toBe(2)
  })

  it('keeps polling through unknown statuses and details, warning once per value', async () => {
    const h = await setup({
      steps: [
        { status: 'hibernating' },
        { status: 'hibernating' },
        { status: 'running', status_detail: 'pondering' },
        { status: 'running', status_detail: 'pondering' },
        { status: 'hibernating' },
        { status: 'suspended', status_detail: 'moon_phase' }
      ]
    })
    // Off the documented lists on purpose: what a newer API may answer.
    h.devin.expectViolation(/is "(hibernating|pondering|moon_phase)", not one of/)
    await waitForSession(h.deps)
    expect(sessionGets(h)).toBe(6)
    expect(h.warnings).toHaveLength(3)
    expect(h.warnings[0]).toMatch(/status 'hibernating'.*still waiting/)
    expect(h.warnings[1]).toMatch(/status_detail 'pondering'.*still waiting/)
    expect(h.warnings[2]).toMatch(/status_detail 'moon_phase'.*stopped/)
    expect(h.state.report.result).toBe('suspended')
  })

  it('stops at the budget without overshooting it; the session keeps running', async () => {
    const h = await setup({
      steps: [{ status: 'running', status_detail: 'working' }],
      inputs: { 'timeout-minutes': '1.1', 'poll-interval': '30' }
    })
    const t0 = h.clock.t
    await waitForSession(h.deps)
    expect(h.state.report.result).toBe('timeout')
    expect(h.state.report.note).toMatch(/1\.1 minutes.*keeps running/)
    // Polls at 30 s, 60 s and one last one exactly at the 66 s budget.
    expect(h.clock.t - t0).toBe(66_000)
    expect(sessionGets(h)).toBe(3)
    expect(h.devin.requestsTo('DELETE', /sessions/)).toHaveLength(0)
  })

  it('rides out 429 (honouring Retry-After) and 503s mid-poll', async () => {
    const h = await setup({
      steps: [
        { status: 'running', status_detail: 'working' },
        { status: 'running', status_detail: 'working' },
        { status: 'exit' }
      ],
      maxAttempts: 2
    })
    const get = `/v3/organizations/${h.devin.orgId}/sessions/${h.sessionId}`
    h.devin.fault(
      { method: 'GET', path: get, after: 1 },
      { status: 429, headers: { 'retry-after': '7' } }
    )
    // Two polls in a row fail (two attempts each) before the session answers again.
    h.devin.fault(
      { method: 'GET', path: get, after: 2, times: 4 },
      { status: 503, body: { detail: 'busy' } }
    )
    await waitForSession(h.deps)
    expect(h.state.report.result).toBe('finished')
    expect(h.clientWaits).toContain(7000)
    expect(
      h.warnings.filter((w) => /Polling the Devin session failed \(\d\/4/.test(w))
    ).toHaveLength(2)
    expect(h.devin.requestsTo('GET', get).filter((r) => r.fault === 'status')).toHaveLength(5)
  })

  it('gives up after too many failed polls in a row and reports an error', async () => {
    const h = await setup({
      steps: [{ status: 'running', status_detail: 'working' }],
      maxAttempts: 1
    })
    const get = `/v3/organizations/${h.devin.orgId}/sessions/${h.sessionId}`
    h.devin.fault({ method: 'GET', path: get, times: 100 }, { status: 502, body: 'bad gateway' })
    await expect(waitForSession({ ...h.deps, maxConsecutiveFailures: 3 })).rejects.toThrow(/502/)
    expect(sessionGets(h)).toBe(3)
    expect(h.state.report.result).toBe('error')
    expect(h.state.report.note).toMatch(/may still be running/)
  })

  it('fails at once on an error that will not pass (404)', async () => {
    const h = await setup({ steps: [{ status: 'running', status_detail: 'working' }] })
    const get = `/v3/organizations/${h.devin.orgId}/sessions/${h.sessionId}`
    h.devin.fault(
      { method: 'GET', path: get },
      { status: 404, body: { detail: 'Session not found' } }
    )
    await expect(waitForSession(h.deps)).rejects.toThrow(/404/)
    expect(sessionGets(h)).toBe(1)
  })
})

describe('messages', () => {
  it('prints each Devin message once, in order, reading on with the cursor', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({
      message: `step ${i + 1}\ndetails ${i + 1}`
    }))
    const h = await setup({
      steps: [
        { status: 'claimed', messages: [{ message: 'On it.' }] },
        { status: 'running', status_detail: 'working', messages: many },
        { status: 'running', status_detail: 'working' },
        {
          status: 'running',
          status_detail: 'working',
          messages: [{ message: 'A question', source: 'user' }]
        },
        {
          status: 'running',
          status_detail: 'finished',
          messages: [{ message: 'Done: ::set-output name=x::y' }]
        }
      ]
    })
    await waitForSession(h.deps)
    const bodies = h.printed.map((p) => p.body)
    expect(bodies).toEqual([
      'On it.',
      ...many.map((m) => m.message),
      'Done: ::set-output name=x::y'
    ])
    expect(new Set(bodies).size).toBe(bodies.length)
    expect(h.printed[1]?.title).toBe('💬 devin: step 1')
    // One read per poll; once a page has come back full, every later read goes on from its
    // cursor, so the full page is never read twice.
    const reqs = h.devin.requestsTo('GET', /\/messages$/)
    expect(reqs).toHaveLength(sessionGets(h))
    const firstCursor = reqs.findIndex((r) => r.query.after !== undefined)
    expect(firstCursor).toBeGreaterThan(0)
    expect(reqs.slice(firstCursor).every((r) => r.query.after !== undefined)).toBe(true)
  })
})

describe('the live comment', () => {
  it('edits only on a change, at most once per 10 s, and never loses the last change', async () => {
    const steps: SessionStep[] = []
    for (let i = 0; i < 12; i++)
      steps.push(i % 2 ? { status: 'running', status_detail: 'working' } : { status: 'resuming' })
    steps.push(
      ...Array.from({ length: 20 }, () => ({ status: 'running', status_detail: 'working' }))
    )
    steps.push({ status: 'exit' })
    const h = await setup({ steps, comment: true, inputs: { 'poll-interval': '1' } })
    await waitForSession(h.deps)
    const gaps = h.edits.slice(1).map((e, i) => e.at - (h.edits[i]?.at ?? 0))
    expect(h.edits.length).toBeGreaterThan(0)
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(10_000)
    // 12 changes in 12 s and then 20 quiet polls: a couple of edits, not 12, and the last one
    // (the trailing edit) shows the final working state.
    expect(h.edits.length).toBeLessThanOrEqual(3)
    expect(h.edits.at(-1)?.body).toMatch(/`running` \/ `working`/)
    await h.reporter.finish()
    const live = h.gh?.liveComments(PR) ?? []
    expect(live).toHaveLength(1)
    expect(live[0]?.body).toMatch(/✅ Finished/)
  })
})

describe('cancellation', () => {
  /** Waits under the run's guard, and sends SIGINT (then SIGTERM) once 95 s have passed. */
  async function cancelled(stopOnCancel: boolean) {
    const h = await setup({
      steps: [{ status: 'running', status_detail: 'working' }],
      comment: true,
      inputs: { 'stop-on-cancel': String(stopOnCancel) }
    })
    const source = new EventEmitter()
    const exits: number[] = []
    const failed: string[] = []
    const guard = guardRun({
      state: h.state,
      surfaces: h.reporter,
      stopOnCancel,
      scrub: (t) => t,
      log: { info: () => undefined, warning: (m) => h.warnings.push(m) },
      fail: (m) => failed.push(m),
      watch: { source, exit: (c) => exits.push(c) }
    })
    // As in the action, the guard learns the Devin client from the (long settled) start.
    const session = await h.client.getSession(h.devin.orgId, h.sessionId)
    guard.starting(Promise.resolve({ session, how: 'created' }), h.client)
    h.clock.onWake = (t) => {
      if (t - h.state.report.startedAt >= 95_000 && exits.length === 0 && !guard.fired) {
        source.emit('SIGINT', 'SIGINT')
        source.emit('SIGTERM', 'SIGTERM')
      }
    }
    await waitForSession({ ...h.deps, cancel: guard })
    return { h, exits, source, failed }
  }

  it('finalizes the comment as cancelled and stops the session with stop-on-cancel', async () => {
    const { h, exits, source, failed } = await cancelled(true)
    expect(exits).toEqual([1])
    expect(failed).toEqual([
      'The workflow was cancelled; the Devin session was stopped (stop-on-cancel).'
    ])
    expect(h.devin.requestsTo('DELETE', /sessions/)).toHaveLength(1)
    const body = h.gh?.liveComments(PR)[0]?.body ?? ''
    expect(body).toMatch(/🛑 Cancelled/)
    expect(body).toMatch(/was stopped \(stop-on-cancel\)/)
    expect(body).toMatch(/`exit`/)
    const raw = await readFile(process.env.GITHUB_STATE ?? '', 'utf8')
    const last =
      raw
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1) ?? ''
    const state = parseState(last)
    expect(state?.final).toBe(true)
    expect(state?.terminated).toBe(true)
    expect(state?.report.cancelled).toBe(true)
    // Still listening, so a late SIGTERM cannot kill the finalization with Node's default.
    expect(source.listenerCount('SIGTERM')).toBe(1)
  })

  it('leaves the session running without stop-on-cancel and says so', async () => {
    const { h, exits } = await cancelled(false)
    expect(exits).toEqual([1])
    expect(h.devin.requestsTo('DELETE', /sessions/)).toHaveLength(0)
    const body = h.gh?.liveComments(PR)[0]?.body ?? ''
    expect(body).toMatch(/🛑 Cancelled/)
    expect(body).toMatch(/keeps running/)
  })

  it('a wait begun after the cancel polls nothing and parks until the guard is done', async () => {
    const h = await setup()
    const ac = new AbortController()
    ac.abort()
    let release: () => void = () => undefined
    const done = new Promise<void>((resolve) => (release = resolve))
    let returned = false
    const waiting = waitForSession({ ...h.deps, cancel: { signal: ac.signal, done } }).then(
      () => (returned = true)
    )
    await new Promise((r) => setImmediate(r))
    expect(returned).toBe(false)
    release()
    await waiting
    expect(sessionGets(h)).toBe(0)
    expect(h.state.phase).toBe('waiting')
  })

  it('installs no signal handler of its own', async () => {
    const h = await setup()
    const before = process.listenerCount('SIGINT')
    await waitForSession(h.deps)
    expect(process.listenerCount('SIGINT')).toBe(before)
  })
})

describe('attachments after the wait', () => {
  it('downloads every attachment inside the directory, hostile names included', async () => {
    const h = await setup({
      steps: [
        {
          status: 'exit',
          attachments: [
            { name: 'report.md', content: '# Report' },
            { name: '../../escape.txt', content: 'nope' },
            { name: 'report.md', content: 'second' },
            { name: '...', content: 'dots' },
            { name: 'C:\\Users\\x\\..\\win.txt', content: 'win' },
            { name: 'evil\u202Etxt.exe\n', content: 'bidi' },
            { name: 'CON', content: 'reserved' }
          ]
        }
      ],
      inputs: { 'attachments-path': 'out' }
    })
    await waitForSession(h.deps)
    const [a, b, c, d] = h.state.report.attachments
    expect([a, b, c]).toEqual(['out/report.md', 'out/escape.txt', 'out/report (2).md'])
    expect(d).toMatch(/^out\/attachment-[0-9a-f-]{36}$/)
    expect(h.state.report.attachments.slice(4)).toEqual([
      'out/win.txt',
      'out/eviltxt.exe',
      'out/_CON'
    ])
    expect(h.warnings).toEqual([])
    expect((await readdir(h.dir)).sort()).toEqual(
      h.state.report.attachments.map((a) => a.slice('out/'.length)).sort()
    )
    expect(await readdir(h.workspace)).toEqual(['out'])
    for (const rel of h.state.report.attachments) {
      expect(path.resolve(h.workspace, rel).startsWith(h.dir + path.sep)).toBe(true)
    }
    expect(await readFile(path.join(h.dir, 'report.md'), 'utf8')).toBe('# Report')
    expect(await readFile(path.join(h.dir, 'report (2).md'), 'utf8')).toBe('second')
    expect(await readFile(path.join(h.dir, 'escape.txt'), 'utf8')).toBe('nope')
  })
})

describe('signal handling', () => {
  const quiet = { info: () => undefined, warning: () => undefined }

  it('finalizes once, swallows later signals, and exits 1', async () => {
    const source = new EventEmitter()
    const exits: number[] = []
    let calls = 0
    let release: () => void = () => undefined
    const watch = watchForCancel(
      () => {
        calls++
        return new Promise<void>((resolve) => (release = resolve))
      },
      quiet,
      { source, exit: (c) => exits.push(c) }
    )
    source.emit('SIGINT', 'SIGINT')
    source.emit('SIGTERM', 'SIGTERM')
    source.emit('SIGINT', 'SIGINT')
    expect(watch.signal.aborted).toBe(true)
    expect(calls).toBe(1)
    expect(exits).toEqual([])
    release()
    await watch.done
    expect(exits).toEqual([1])
    watch.dispose()
    expect(source.listenerCount('SIGTERM')).toBe(1)
  })

  it("bounds finalization inside the runner's 7.5 s between SIGINT and SIGTERM", () => {
    // What the end-to-end cancel tests rely on instead of timing the action with a wall clock.
    const b = CANCEL_BUDGET
    // The last edit settles alongside the DELETE; the final write comes after both.
    expect(Math.max(b.settleMs, b.terminateMs) + b.finishMs).toBeLessThanOrEqual(b.deadlineMs)
    // The hard deadline leaves a second to exit before the runner's SIGTERM.
    expect(b.deadlineMs + 1000).toBeLessThanOrEqual(7500)
  })

  it('exits at the deadline when finalizing hangs', async () => {
    const source = new EventEmitter()
    const exits: number[] = []
    const watch = watchForCancel(() => new Promise<void>(() => undefined), quiet, {
      source,
      exit: (c) => exits.push(c),
      deadlineMs: 50
    })
    const t = Date.now()
    source.emit('SIGTERM', 'SIGTERM')
    await watch.done
    expect(Date.now() - t).toBeGreaterThanOrEqual(45)
    expect(exits).toEqual([1])
  })

  it('treats an already terminated session as stopped and reports other failures', async () => {
    const err = (status: number) =>
      new DevinApiError(`failed ${status}`, { status, detail: '', method: 'DELETE', path: '/' })
    const answering = (e?: Error) => ({
      terminateSession: async () => {
        if (e) throw e
        return undefined
      }
    })
    expect((await stopSession(answering(), 'o', 's', 100)).outcome).toEqual({ kind: 'stopped' })
    expect((await stopSession(answering(err(409)), 'o', 's', 100)).outcome).toEqual({
      kind: 'stopped'
    })
    expect((await stopSession(answering(err(403)), 'o', 's', 100)).outcome).toEqual({
      kind: 'failed',
      reason: 'failed 403'
    })
    const hanging = { terminateSession: () => new Promise<undefined>(() => undefined) }
    const slow = await stopSession(hanging, 'o', 's', 30)
    expect(slow.outcome.kind).toBe('failed')
    expect(cancelNote(slow.outcome)).toMatch(/took longer than 30 ms.*may still be running/)
  })
})
