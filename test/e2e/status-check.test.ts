/**
 * End to end: the check run (`status-check`) of the built action on the GitHub emulator's Checks
 * API, through every end state; a token that may not write check runs; and `status-check: true`
 * without a wait, completed later by a `mode: sync` run.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { SessionStep } from '../emulators/devin.ts'
import type { StoredCheckRun } from '../emulators/github-check-rules.ts'
import { headlineOf } from '../helpers/comment.ts'
import { schedulePayload } from '../helpers/events.ts'
import { runAction, runPost, startAction, type RunActionOptions } from '../helpers/run-action.ts'
import { GITHUB_TOKEN, prScenario, type PrScenario } from '../helpers/scenario.ts'

const PR = 21

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

/** A person's token: GitHub lets only Apps create check runs. */
const PERSONAL_TOKEN = 'github_pat_e2ePersonalToken0123456789'

async function scenario(o: { checks?: 'write' | 'read' | 'none' } = {}): Promise<PrScenario> {
  const s = await prScenario({
    prNumber: PR,
    base: { 'README.md': 'hello\n' },
    head: { 'README.md': 'hello checks\n' },
    title: 'Say hello to checks',
    body: '',
    github: {
      tokens: {
        [GITHUB_TOKEN]: {
          login: 'github-actions[bot]',
          type: 'Bot',
          installation: true,
          ...(o.checks ? { checks: o.checks } : {})
        },
        [PERSONAL_TOKEN]: { login: 'alice', type: 'User' }
      }
    }
  })
  cleanups.push(() => s.close())
  return s
}

const waiting = (extra: Record<string, string> = {}): Record<string, string> => ({
  prompt: 'Check this change',
  wait: 'true',
  'poll-interval': '1',
  ...extra
})

function onlyRun(s: PrScenario): StoredCheckRun {
  expect(s.github.checkRuns).toHaveLength(1)
  return s.github.checkRuns[0] as StoredCheckRun
}

const ends: Array<[string, SessionStep[], Record<string, string>, string, number]> = [
  ['finished', [{ status: 'running', status_detail: 'finished' }], {}, 'success', 0],
  [
    'needs-input',
    [{ status: 'running', status_detail: 'waiting_for_user' }],
    {},
    'action_required',
    0
  ],
  ['suspended', [{ status: 'suspended', status_detail: 'inactivity' }], {}, 'neutral', 0],
  ['error', [{ status: 'error' }], {}, 'failure', 1],
  // Devin works on; the wait's budget (about a second) runs out first.
  ['timeout', [], { 'timeout-minutes': '0.02' }, 'timed_out', 0]
]

describe('the check run through every end state', () => {
  it.each(ends)('%s', async (result, steps, inputs, conclusion, code) => {
    const s = await scenario()
    s.devin.script([{ status: 'running', status_detail: 'working' }, ...steps])
    const r = await s.run(waiting(inputs), { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(code)
    expect(r.outputs.result).toBe(result)
    const [session] = [...s.devin.sessions.values()]
    const run = onlyRun(s)
    expect(run).toMatchObject({
      name: 'Devin',
      headSha: s.checkout.headSha,
      status: 'completed',
      conclusion,
      externalId: session?.devinId,
      detailsUrl: session?.state.url
    })
    // Shown in progress while Devin worked, then completed: only on a change.
    expect(run.history[0]).toMatchObject({ method: 'POST', body: { status: 'in_progress' } })
    expect(run.history.length).toBeLessThanOrEqual(3)
    // The summary is the comment's report, without the comment's hidden lines.
    const headline = headlineOf(s.github.liveComments(PR)[0]?.body ?? '')
    expect(run.output.summary?.split('\n')[0]).toBe(headline)
    expect(run.output.summary).not.toContain('devin-handoff')
    expect(r.outputs['check-run-url']).toMatch(new RegExp(`/runs/${run.id}$`))
    expect(r.summary).toContain(r.outputs['check-run-url'] ?? '(none)')
  })

  it('cancelled → cancelled, and the post step leaves it so', async () => {
    const s = await scenario()
    s.devin.script([{ status: 'running', status_detail: 'working' }])
    const opts: RunActionOptions = s.options(waiting(), { timeoutMs: 60_000 })
    const { child, done } = startAction(opts)
    await s.github.waitFor(
      () => s.github.checkRuns[0]?.status === 'in_progress',
      'the check run in progress'
    )
    child.kill('SIGINT')
    const r = await done
    expect(r.code).toBe(1)
    expect(onlyRun(s)).toMatchObject({ status: 'completed', conclusion: 'cancelled' })
    const writes = onlyRun(s).history.length
    const post = await runPost(r, opts)
    expect(post.code, post.stdout + post.stderr).toBe(0)
    expect(onlyRun(s).history).toHaveLength(writes)
  })

  it('is written without a comment too (comment: false)', async () => {
    const s = await scenario()
    s.devin.script([{ status: 'running', status_detail: 'finished' }])
    const r = await s.run(waiting({ comment: 'false' }), { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(s.github.liveComments(PR)).toEqual([])
    expect(onlyRun(s)).toMatchObject({ name: 'Devin', status: 'completed', conclusion: 'success' })
    expect(r.outputs['check-run-url']).toMatch(new RegExp(`/runs/${onlyRun(s).id}$`))
  })

  it('status-check: false makes none; auto without wait makes none', async () => {
    const s = await scenario()
    s.devin.script([{ status: 'running', status_detail: 'finished' }])
    const off = await s.run(waiting({ 'status-check': 'false' }), { timeoutMs: 60_000 })
    expect(off.code, off.stdout).toBe(0)
    const noWait = await s.run({ prompt: 'Check this change' })
    expect(noWait.code, noWait.stdout).toBe(0)
    expect(s.github.checkRuns).toEqual([])
    expect(noWait.outputs['check-run-url']).toBe('')
  })
})

describe('a check run write that fails on the way', () => {
  it('is warned once and tried again, so the end still completes it', async () => {
    const s = await scenario()
    s.devin.script([
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'finished' }
    ])
    // The first create and the one the check-run surface sends after finding none: both lost.
    s.github.fault(
      { method: 'POST', path: /\/check-runs$/, times: 2 },
      { status: 502, body: { message: 'Bad Gateway' } }
    )
    const r = await s.run(waiting(), { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const warned = r.commands.filter((c) => c.command === 'warning').map((c) => c.message)
    expect(warned.filter((w) => /Could not write the check run/.test(w))).toHaveLength(1)
    expect(onlyRun(s)).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(r.outputs['check-run-url']).toMatch(new RegExp(`/runs/${onlyRun(s).id}$`))
  })
})

describe('a token that may not write check runs', () => {
  it('gets one notice naming checks: write; the comment and outputs go on', async () => {
    const s = await scenario({ checks: 'read' })
    s.devin.script([
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'working', acus_consumed: 1 },
      { status: 'running', status_detail: 'finished' }
    ])
    const r = await s.run(waiting(), { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.result).toBe('finished')
    const notices = r.commands.filter((c) => c.command === 'notice')
    expect(notices.filter((n) => /checks: write/.test(n.message))).toHaveLength(1)
    expect(r.commands.filter((c) => c.command === 'error')).toEqual([])
    // Asked once, refused once, not again.
    expect(s.github.requests.filter((q) => /check-runs/.test(q.path))).toHaveLength(1)
    expect(s.github.checkRuns).toEqual([])
    expect(s.github.liveComments(PR)[0]?.body).toMatch(/✅ Finished/)
    expect(r.outputs['check-run-url']).toBe('')
  })

  it('a personal access token: one notice that only an App can, and the run goes on', async () => {
    const s = await scenario()
    s.devin.script([{ status: 'running', status_detail: 'finished' }])
    const r = await s.run(waiting(), { timeoutMs: 60_000, githubToken: PERSONAL_TOKEN })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const notices = r.commands.filter((c) => c.command === 'notice').map((c) => c.message)
    expect(
      notices.filter((n) => /personal access token cannot create check runs/.test(n))
    ).toHaveLength(1)
    expect(s.github.checkRuns).toEqual([])
    expect(s.github.liveComments(PR)[0]).toMatchObject({ login: 'alice' })
  })
})

describe('status-check: true without wait, completed by a sync', () => {
  it('stays in progress, then the next sync completes it and the comment tells the end', async () => {
    const s = await scenario()
    const handoff = await s.run({ prompt: 'Check this change', 'status-check': 'true' })
    expect(handoff.code, handoff.stdout + handoff.stderr).toBe(0)
    expect(handoff.outputs.result).toBe('created')
    const run = onlyRun(s)
    expect(run).toMatchObject({ status: 'in_progress', conclusion: null })
    // Made by the final write, and still in the outputs.
    expect(handoff.outputs['check-run-url']).toMatch(new RegExp(`/runs/${run.id}$`))
    const started = s.github.liveComments(PR)[0]?.body ?? ''
    expect(started).toMatch(/🚀 Devin session started/)
    expect(started).not.toMatch(/ACUs/)

    const id = handoff.outputs['session-id'] ?? ''
    s.devin.setSession(id, {
      status: 'running',
      status_detail: 'finished',
      acus_consumed: 3.5,
      messages: [{ message: 'All checks are green now.' }]
    })
    const sync = (): Promise<import('../helpers/run-action.ts').ActionResult> =>
      runAction({
        ...s.options({ mode: 'sync', prompt: '' }),
        eventName: 'schedule',
        payload: schedulePayload('*/10 * * * *')
      })
    const writesBefore = s.github.writeCount
    const first = await sync()
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.outputs.synced).toBe('1')
    expect(onlyRun(s)).toMatchObject({ status: 'completed', conclusion: 'success' })
    const body = s.github.liveComments(PR)[0]?.body ?? ''
    expect(body).toMatch(/✅ Finished/)
    expect(body).toMatch(/3\.5 ACUs/)
    expect(body).toMatch(/All checks are green now\./)
    expect(s.github.writeCount - writesBefore).toBe(2)

    const again = await sync()
    expect(again.code).toBe(0)
    expect(again.outputs.synced).toBe('0')
    expect(s.github.writeCount - writesBefore).toBe(2)
  })
})
