/**
 * End to end: cancelling the built action while it waits, the way the runner does it (SIGINT,
 * SIGTERM 7.5 s later, then SIGKILL), and the post step as the backstop. The other instants a
 * cancel can hit (before anything is sent, mid-create, mid comment write, mid follow-up) are the
 * cancellation windows of ./cancel-windows.ts, which faults.test.ts runs into docs/faults.md.
 *
 * Nothing here times the action with a wall clock: that it ends inside the runner's grace period
 * follows from its own hard deadline (checked against the budgets in the unit tests). These tests
 * check that it exits on its own, and which of its bounds, if any, cut finalization short.
 */
import type { ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import type { DevinEmulator } from '../emulators/devin.ts'
import type { GitHubEmulator } from '../emulators/github.ts'
import { stateOf } from '../helpers/comment.ts'
import { prScenario } from '../helpers/scenario.ts'
import {
  runPost,
  startAction,
  type ActionResult,
  type RunActionOptions
} from '../helpers/run-action.ts'

const PR = 5

interface Scenario {
  devin: DevinEmulator
  gh: GitHubEmulator
  opts: RunActionOptions
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function scenario(inputs: Record<string, string>): Promise<Scenario> {
  const s = await prScenario({
    prNumber: PR,
    base: { 'README.md': 'hello\n' },
    head: { 'README.md': 'hello world\n' },
    title: 'Greet the world',
    body: ''
  })
  cleanups.push(() => s.close())
  // Devin works for as long as the test needs.
  s.devin.script([{ status: 'claimed' }, { status: 'running', status_detail: 'working' }])
  const opts = s.options(
    { prompt: 'Polish the README', wait: 'true', 'poll-interval': '1', ...inputs },
    { timeoutMs: 60_000 }
  )
  return { devin: s.devin, gh: s.github, opts }
}

/** Resolves once `cond` holds, looking again whenever either emulator sees a request settle. */
function until(s: Scenario, what: string, cond: () => boolean): Promise<void> {
  return Promise.race([s.devin.waitFor(cond, what), s.gh.waitFor(cond, what)])
}

/** Resolves once the action's output so far matches `re`. */
function printed(child: ChildProcess, re: RegExp): Promise<void> {
  let out = ''
  return new Promise((resolve) => {
    const onData = (chunk: string): void => {
      out += chunk
      if (!re.test(out)) return
      child.stdout?.off('data', onData)
      resolve()
    }
    child.stdout?.on('data', onData)
  })
}

const sessionGets = (s: Scenario): number =>
  s.devin.requests.filter((r) => r.method === 'GET' && /\/sessions\/devin-[0-9a-f]+$/.test(r.path))
    .length
const deletes = (s: Scenario) => s.devin.requestsTo('DELETE', /\/sessions\/devin-/)

function comment(s: Scenario): string {
  const live = s.gh.liveComments(PR)
  expect(live).toHaveLength(1)
  return live[0]?.body ?? ''
}

/** Each check run as GitHub holds it: `status` or `status/conclusion`. */
const checks = (s: Scenario): string[] =>
  s.gh.checkRuns.map((c) => (c.conclusion ? `${c.status}/${c.conclusion}` : c.status))

function savedState(r: ActionResult): { final: boolean; terminated?: boolean } {
  return JSON.parse(r.state['devin-handoff'] ?? '{}') as { final: boolean; terminated?: boolean }
}

/** Starts the action and waits until it is polling and the "working" comment is up. */
async function startWaiting(s: Scenario) {
  const started = startAction(s.opts)
  await until(s, 'the action polling with its working comment up', () => {
    const live = s.gh.liveComments(PR)
    return sessionGets(s) >= 2 && live.length === 1 && stateOf(live[0]?.body ?? '') === '⏳ Working'
  })
  return started
}

describe('cancellation', () => {
  it('SIGINT: the comment reads cancelled and stop-on-cancel terminates the session, within the grace period', async () => {
    const s = await scenario({ 'stop-on-cancel': 'true' })
    const { child, done } = await startWaiting(s)
    child.kill('SIGINT')
    const r = await done
    // It exited by itself, and no bound of its own cut finalization short.
    expect(r.signal).toBeNull()
    expect(r.code).toBe(1)
    expect(r.stdout).not.toMatch(/took longer than|exiting without waiting/)
    expect(deletes(s)).toHaveLength(1)
    const [session] = [...s.devin.sessions.values()]
    expect(session?.terminated).toBe(true)
    const body = comment(s)
    expect(stateOf(body)).toBe('🛑 Cancelled')
    expect(body).toMatch(/the Devin session was stopped \(stop-on-cancel\)/)
    expect(body).toMatch(/`exit`/)
    // The waiting run's check run (status-check: auto) ends with the comment, not in progress.
    expect(checks(s)).toEqual(['completed/cancelled'])
    expect(r.summary).toMatch(/Workflow cancelled/)
    expect(r.commands.some((c) => c.command === 'error' && /cancelled/.test(c.message))).toBe(true)
    expect(savedState(r)).toMatchObject({ final: true, terminated: true })

    // The post step sees a finalized run and does nothing.
    const before = { gh: s.gh.requests.length, devin: s.devin.requests.length }
    const post = await runPost(r, s.opts)
    expect(post.code).toBe(0)
    expect(s.gh.requests.length).toBe(before.gh)
    expect(s.devin.requests.length).toBe(before.devin)
  })

  it('SIGINT without stop-on-cancel leaves the session running and says so', async () => {
    const s = await scenario({})
    const { child, done } = await startWaiting(s)
    child.kill('SIGINT')
    const r = await done
    expect(r.code).toBe(1)
    expect(deletes(s)).toHaveLength(0)
    const body = comment(s)
    expect(stateOf(body)).toBe('🛑 Cancelled')
    expect(body).toMatch(/the Devin session keeps running/)
    expect(body).toMatch(/`running` \/ `working`/)
  })

  it('a second signal does not start a second finalization', async () => {
    const s = await scenario({ 'stop-on-cancel': 'true' })
    const { child, done } = await startWaiting(s)
    // The DELETE is held, keeping the first finalization busy, until both later signals are seen.
    let release = (): void => undefined
    const later = new Promise<void>((resolve) => (release = resolve))
    s.devin.fault({ method: 'DELETE', path: /\/sessions\/devin-/ }, { until: later })
    child.kill('SIGINT')
    await s.devin.received('DELETE', /\/sessions\/devin-/)
    const seenTerm = printed(child, /Received SIGTERM again; still finalizing/)
    child.kill('SIGTERM')
    await seenTerm
    const seenInt = printed(child, /Received SIGINT again; still finalizing/)
    child.kill('SIGINT')
    await seenInt
    release()
    const r = await done
    expect(r.signal).toBeNull()
    expect(r.code).toBe(1)
    expect(deletes(s)).toHaveLength(1)
    expect(r.stdout).toMatch(/again; still finalizing/)
    expect(stateOf(comment(s))).toBe('🛑 Cancelled')
  })

  it('exits inside the grace period even when GitHub hangs, and the post step finishes the job', async () => {
    const s = await scenario({ 'stop-on-cancel': 'true' })
    const { child, done } = await startWaiting(s)
    // GitHub never answers: only the action's own bound can end the final write.
    s.gh.fault({ method: 'PATCH', path: /\/issues\/comments\//, times: 5 }, { hang: true })
    s.gh.fault({ method: 'GET', path: /\/issues\/\d+\/comments/, times: 5 }, { hang: true })
    child.kill('SIGINT')
    const r = await done
    expect(r.signal).toBeNull()
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /writing the final comment and summary took longer than \d+ ms; the post step will finalize/
    )
    // The action left without its answer: the held edit was abandoned when the process ended.
    await s.gh.waitFor(() => s.gh.holding === 0)
    const edits = s.gh.requestsTo('PATCH', /\/issues\/comments\//)
    expect(edits.at(-1)?.answer).toBe('abandoned')
    expect(deletes(s)).toHaveLength(1)
    expect(savedState(r)).toMatchObject({ final: false, terminated: true })

    s.gh.clearFaults()
    const post = await runPost(r, s.opts)
    expect(post.code).toBe(0)
    // Already terminated by the main step: not again.
    expect(deletes(s)).toHaveLength(1)
    const body = comment(s)
    expect(stateOf(body)).toBe('🛑 Cancelled')
    expect(body).toMatch(/was stopped \(stop-on-cancel\)/)
  })

  it('SIGKILL mid-wait: the post step finalizes the comment and stops the session', async () => {
    const s = await scenario({ 'stop-on-cancel': 'true' })
    const { child, done } = await startWaiting(s)
    child.kill('SIGKILL')
    const r = await done
    expect(r.signal).toBe('SIGKILL')
    expect(stateOf(comment(s))).toBe('⏳ Working')
    expect(checks(s)).toEqual(['in_progress'])
    expect(savedState(r).final).toBe(false)
    expect(deletes(s)).toHaveLength(0)

    const post = await runPost(r, s.opts)
    expect(post.code).toBe(0)
    expect(deletes(s)).toHaveLength(1)
    const body = comment(s)
    expect(stateOf(body)).toBe('🛑 Cancelled')
    expect(body).toMatch(/The job ended before the action could finish/)
    expect(checks(s)).toEqual(['completed/cancelled'])
    expect(body).toMatch(/was stopped \(stop-on-cancel\)/)
    expect(post.summary).toMatch(/Workflow cancelled/)
    // The key is registered as a secret and appears nowhere else.
    expect(post.stdout).toContain(`::add-mask::${s.devin.apiKey}`)
    const rest = post.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'))
    expect(rest.join('\n')).not.toContain(s.devin.apiKey)
  })

  it('the post step does nothing for a run that finished normally', async () => {
    const s = await scenario({})
    const { child, done } = startAction(s.opts)
    await s.devin.waitFor(() => s.devin.sessions.size === 1, 'the session')
    const [id] = [...s.devin.sessions.keys()]
    // Devin stops at once.
    s.devin.setSession(id ?? '', { status: 'exit' })
    const r = await done
    expect(child.exitCode).toBe(0)
    expect(r.outputs.result).toBe('finished')
    const before = s.gh.requests.length + s.devin.requests.length
    const post = await runPost(r, s.opts)
    expect(post.code).toBe(0)
    expect(post.stdout).toBe('')
    expect(s.gh.requests.length + s.devin.requests.length).toBe(before)
  })
})
