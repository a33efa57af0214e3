import { describe, expect, it } from 'vitest'
import type { DevinSession } from '../../../src/devin/types.ts'
import type { Target } from '../../../src/run/target.ts'
import {
  budgetReader,
  budgetSet,
  overBudget,
  spentOn,
  type Budgets
} from '../../../src/session/budget.ts'
import type { Route } from '../../../src/session/route.ts'
import { CancelledError, startSession, type StartWatch } from '../../../src/session/start.ts'
import { FakeDevin, session } from '../../helpers/fake-devin.ts'
import { PR_TAG, ctx, inputs, prTarget } from '../../helpers/session-fixtures.ts'

const limits = (maxSessionsPerPr: number, maxAcusPerPr: number): Budgets => ({
  maxSessionsPerPr,
  maxAcusPerPr
})

describe('spentOn', () => {
  it('counts sessions in any state once each and sums their ACUs', () => {
    const spent = spentOn([
      session('devin-a', { status: 'exit', acus_consumed: 1.1 }),
      session('devin-b', { status: 'suspended', acus_consumed: 2.2, is_archived: true }),
      session('devin-a', { status: 'exit', acus_consumed: 1.1 }),
      session('devin-c', { status: 'error', acus_consumed: null })
    ])
    expect(spent.sessions).toBe(3)
    expect(spent.acus).toBeCloseTo(3.3, 10)
  })

  it('counts nothing it cannot trust as spent ACUs', () => {
    const weird = [session('devin-x', { acus_consumed: -5 }), session('devin-y')]
    expect(spentOn(weird)).toEqual({ sessions: 2, acus: 0 })
  })
})

describe('overBudget', () => {
  it('is never reached with both budgets at 0 (no limit)', () => {
    expect(budgetSet(limits(0, 0))).toBe(false)
    expect(overBudget({ sessions: 1e6, acus: 1e6 }, limits(0, 0), 'create')).toBeUndefined()
  })

  it('stops a new session at the session budget, and says how many there were', () => {
    expect(overBudget({ sessions: 2, acus: 0 }, limits(3, 0), 'create')).toBeUndefined()
    expect(overBudget({ sessions: 3, acus: 0 }, limits(3, 0), 'create')).toBe(
      'budget: this pull request has had 3 Devin sessions (max-sessions-per-pr: 3)'
    )
    expect(overBudget({ sessions: 1, acus: 0 }, limits(1, 0), 'create')).toBe(
      'budget: this pull request has had 1 Devin session (max-sessions-per-pr: 1)'
    )
  })

  it('lets a follow-up message past the session budget: it is not a new session', () => {
    expect(overBudget({ sessions: 9, acus: 0 }, limits(3, 0), 'message')).toBeUndefined()
  })

  it('stops both a new session and a message at the ACU budget, rounding the sum', () => {
    const spent = { sessions: 1, acus: 0.1 + 0.2 + 9.7 }
    for (const spending of ['create', 'message'] as const) {
      expect(overBudget(spent, limits(0, 10), spending)).toBe(
        "budget: this pull request's Devin sessions have used 10 ACUs (max-acus-per-pr: 10)"
      )
    }
    expect(overBudget({ sessions: 1, acus: 9.99 }, limits(0, 10), 'create')).toBeUndefined()
  })
})

describe('budgetReader', () => {
  it('sends no request without a budget or without a PR, and one at most with both', async () => {
    const devin = new FakeDevin()
    const base = { orgId: 'org-1', slug: 'octo/repo' }
    expect(await budgetReader(devin, { ...base, pr: 3, budgets: limits(0, 0) })()).toBeUndefined()
    expect(await budgetReader(devin, { ...base, budgets: limits(2, 2) })()).toBeUndefined()
    expect(devin.calls).toEqual([])
    const read = budgetReader(devin, { ...base, pr: 3, budgets: limits(2, 0) })
    await read()
    await read()
    expect(devin.calls).toEqual(['find gh:octo/repo#3'])
  })
})

/** PR `pr`'s run (3, the fixtures' PR), or a run without a PR. */
const target = (pr?: number): Target =>
  pr === undefined ? prTarget({ pr: undefined }) : prTarget({}, { number: pr })

async function start(
  devin: FakeDevin,
  values: Record<string, string>,
  o: { pr?: number; watch?: StartWatch; route?: Route } = {}
) {
  const told: string[] = []
  const warnings: string[] = []
  const started = await startSession({
    devin,
    orgId: 'org-1',
    inputs: await inputs(values),
    ctx,
    handoff: {
      prompt: 'Fix',
      screened: { target: target('pr' in o ? o.pr : 3), task: 'task', title: '' }
    },
    trigger: {},
    route: o.route,
    log: { info: () => undefined, warning: (m) => void warnings.push(m) },
    reporter: { budgetReached: async (reason) => void told.push(reason) },
    watch: o.watch
  })
  return { started, told, warnings }
}

const THREAD_TAG = `${PR_TAG}:default`
const thread = (live: DevinSession): Route => ({ kind: 'follow-up', session: live, via: 'thread' })

describe('startSession under budgets', () => {
  it('creates nothing once the PR has had its sessions, and tells the reporter why', async () => {
    const devin = new FakeDevin()
    devin.sessions = [
      session('devin-1', { status: 'exit', tags: [PR_TAG] }),
      session('devin-2', { status: 'suspended', tags: [PR_TAG] }),
      session('devin-elsewhere', { status: 'exit', tags: ['gh:octo/repo#4'] })
    ]
    const { started, told } = await start(devin, { 'max-sessions-per-pr': '2' })
    expect(started).toBeUndefined()
    expect(told).toEqual([
      'budget: this pull request has had 2 Devin sessions (max-sessions-per-pr: 2)'
    ])
    expect(devin.calls).toEqual([`find ${PR_TAG}`])
  })

  it('creates a session below the budget, after one list', async () => {
    const devin = new FakeDevin()
    devin.sessions = [session('devin-1', { status: 'exit', tags: [PR_TAG] })]
    const { started, told } = await start(devin, { 'max-sessions-per-pr': '2' })
    expect(started?.how).toBe('created')
    expect(told).toEqual([])
    expect(devin.calls).toEqual([`find ${PR_TAG}`, 'create'])
  })

  it('sends a follow-up to the live session past the session budget', async () => {
    const devin = new FakeDevin()
    const live = session('devin-live', { tags: [PR_TAG, THREAD_TAG] })
    devin.sessions = [live, session('devin-old', { status: 'exit', tags: [PR_TAG] })]
    const route = thread(live)
    const { started } = await start(devin, { 'max-sessions-per-pr': '1' }, { route })
    expect(started?.how).toBe('reused')
    expect(devin.calls).toEqual([`find ${PR_TAG}`, 'send devin-live'])
  })

  it('sends neither a follow-up nor a create past the ACU budget', async () => {
    const devin = new FakeDevin()
    const live = session('devin-live', { acus_consumed: 4, tags: [PR_TAG, THREAD_TAG] })
    const old = session('devin-old', { status: 'exit', acus_consumed: 1.5, tags: [PR_TAG] })
    devin.sessions = [live, old]
    const reuse = await start(devin, { 'max-acus-per-pr': '5.5' }, { route: thread(live) })
    expect(reuse.started).toBeUndefined()
    expect(reuse.told).toEqual([
      "budget: this pull request's Devin sessions have used 5.5 ACUs (max-acus-per-pr: 5.5)"
    ])
    const create = await start(devin, { 'max-acus-per-pr': '5' })
    expect(create.started).toBeUndefined()
    expect(devin.calls.filter((c) => !c.startsWith('find'))).toEqual([])
  })

  it('asks nothing without a PR, whatever the budgets', async () => {
    const devin = new FakeDevin()
    const { started } = await start(
      devin,
      { 'max-sessions-per-pr': '1', 'max-acus-per-pr': '1' },
      { pr: undefined }
    )
    expect(started?.how).toBe('created')
    expect(devin.calls).toEqual(['create'])
  })

  it('under a cancel, leaves the end to the cancel and sends nothing', async () => {
    const devin = new FakeDevin()
    devin.sessions = [session('devin-1', { tags: [PR_TAG] })]
    const ac = new AbortController()
    ac.abort()
    const watch: StartWatch = {
      signal: ac.signal,
      sending: () => undefined,
      starting: () => undefined
    }
    const told: string[] = []
    await expect(
      startSession({
        devin,
        orgId: 'org-1',
        inputs: await inputs({ 'max-sessions-per-pr': '1' }),
        ctx,
        handoff: { prompt: 'Fix', screened: { target: target(3), task: 'task', title: '' } },
        trigger: {},
        log: { info: () => undefined, warning: () => undefined },
        reporter: { budgetReached: async (r) => void told.push(r) },
        watch
      })
    ).rejects.toBeInstanceOf(CancelledError)
    expect(told).toEqual([])
    expect(devin.calls).toEqual([`find ${PR_TAG}`])
  })
})
