/**
 * Every trigger, end to end: the built action under Node 24 against real git checkouts laid out
 * as actions/checkout leaves them for each event, and both emulators. Each case asserts the
 * target Devin was told about (refs, SHAs, PR) from the prompt it received, the commits that were
 * diffed, and the outputs; skips must send nothing to Devin and exit 0.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  makeLocalRepo,
  makePullRequestCheckout,
  makePushCheckout,
  runGit,
  writeFiles,
  type Files,
  type PullRequestCheckout
} from '../helpers/checkout.ts'
import {
  dispatchPayload,
  eventScenario,
  fileListOf,
  hunksOf,
  issueCommentPayload,
  makeBranchCheckout,
  promptContext,
  pullFixture,
  pullRequestPayload,
  pushPayload,
  releasePayload,
  reviewCommentPayload,
  schedulePayload,
  sentPrompt,
  type EventScenario,
  type EventScenarioOptions
} from '../helpers/events.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { DEFAULT_BASE, DEFAULT_HEAD, prScenario, type PrScenario } from '../helpers/scenario.ts'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function scenario(o: EventScenarioOptions): Promise<EventScenario> {
  const s = await eventScenario(o)
  cleanups.push(() => s.close())
  return s
}
function track<T extends { cleanup(): void }>(fx: T): T {
  cleanups.push(() => fx.cleanup())
  return fx
}
async function pr(): Promise<PrScenario> {
  const s = await prScenario()
  cleanups.push(() => s.close())
  return s
}
/** A PR whose base moved on after the fork point (so base tip, fork point and head all differ). */
function prCheckout(prNumber = 7): PullRequestCheckout {
  return track(
    makePullRequestCheckout({
      base: DEFAULT_BASE,
      head: DEFAULT_HEAD,
      prNumber,
      extraBaseCommits: [{ 'README.md': '# Widgets\n\nNow with docs.\n' }]
    })
  )
}

const short = (sha: string): string => sha.slice(0, 12)
const ok = (r: ActionResult): void => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
}
/** `status path` of each line of a prompt's file list. */
const listed = (prompt: string, section: 'commits' | 'uncommitted' = 'commits'): string[] =>
  fileListOf(prompt, section).map((l) => l.replace(/\s+[+-]\d+ -\d+\s+|\s+binary\s+/, ' ').trim())

function expectSkipped(s: EventScenario, r: ActionResult, reason: RegExp): void {
  ok(r)
  expect(r.outputs.result).toBe('skipped')
  expect(r.outputs['skip-reason']).toMatch(reason)
  expect(r.commands.find((c) => c.command === 'notice')?.message).toMatch(reason)
  expect(r.summary).toContain('skipped')
  expect(s.devin.requests).toHaveLength(0)
}

describe('pull request events', () => {
  it('pull_request: head, base and PR from the payload, diffed on the merge checkout', async () => {
    const s = await pr()
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'pull_request',
      pr: 7,
      head: 'feature',
      headSha: short(s.checkout.headSha),
      base: 'main',
      baseSha: short(s.checkout.baseSha),
      source: 'read with git'
    })
    expect(listed(prompt)).toEqual(['modified src/math.ts'])
    expect(hunksOf(prompt)).toContain('+export function mul(a: number, b: number): number {')
    // The payload carries the PR: no API read of it.
    expect(s.github.requestsTo('GET', /\/pulls\/7$/)).toHaveLength(0)
    expect(r.outputs.result).toBe('created')
  })

  it('pull_request_target: diffs the PR head against the base without checking it out', async () => {
    const c = prCheckout()
    const ws = makeBranchCheckout(c, c.baseSha)
    const s = await scenario({
      eventName: 'pull_request_target',
      payload: pullRequestPayload(c),
      workspace: ws,
      pulls: [pullFixture(c)]
    })
    const r = await s.run()
    ok(r)
    expect(r.env.GITHUB_SHA).toBe(c.baseSha)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'pull_request_target',
      pr: 7,
      head: 'feature',
      headSha: short(c.headSha),
      base: 'main',
      baseSha: short(c.baseSha),
      source: 'read with git'
    })
    // base...head: the PR's change only, not the README commit that landed on main after the fork.
    expect(listed(prompt)).toEqual(['modified src/math.ts'])
    expect(hunksOf(prompt)).toContain('+export function mul')
    // The head's objects were fetched, but the work tree and HEAD are still the base's.
    expect(runGit(ws, ['rev-parse', 'HEAD'])).toBe(c.baseSha)
    expect(runGit(ws, ['status', '--porcelain'])).toBe('')
    expect(runGit(ws, ['show', 'HEAD:src/math.ts'])).not.toContain('mul')
  })

  it('issue_comment on a PR: reads the PR through the API and adds the comment to the task', async () => {
    const c = prCheckout(12)
    const s = await scenario({
      eventName: 'issue_comment',
      payload: issueCommentPayload(
        { number: 12, isPull: true },
        { body: 'Please also cover mul with a test.' }
      ),
      workspace: makeBranchCheckout(c, c.baseSha),
      env: { GITHUB_SHA: c.baseSha },
      pulls: [pullFixture(c, { title: 'Multiply things' })]
    })
    const r = await s.run()
    ok(r)
    expect(s.github.requestsTo('GET', '/repos/acme/widgets/pulls/12')).toHaveLength(1)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'issue_comment',
      pr: 12,
      head: 'feature',
      headSha: short(c.headSha),
      base: 'main',
      baseSha: short(c.baseSha),
      source: 'read with git'
    })
    expect(prompt).toContain('Multiply things')
    expect(prompt).toMatch(
      /## Request from the comment[^]*Please also cover mul with a test\.[^]*## Context/
    )
    expect(listed(prompt)).toEqual(['modified src/math.ts'])
    expect(s.github.liveComments(12)).toHaveLength(1)
  })

  it('issue_comment on a plain issue is a skip, and nothing is sent', async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const s = await scenario({
      eventName: 'issue_comment',
      payload: issueCommentPayload({ number: 3, isPull: false }, { body: 'Devin, please help' }),
      workspace: repo.workspace,
      issues: [{ number: 3, title: 'A bug' }]
    })
    const r = await s.run()
    expectSkipped(s, r, /not a pull request/)
    expect(s.github.requestsTo('GET', /\/pulls\//)).toHaveLength(0)
    expect(s.github.comments).toHaveLength(0)
  })

  it('pull_request_review_comment: the PR from the payload, the comment in the task', async () => {
    const c = prCheckout(5)
    const s = await scenario({
      eventName: 'pull_request_review_comment',
      payload: reviewCommentPayload(c, {
        body: 'mul should guard against overflow',
        path: 'src/math.ts',
        line: 6
      }),
      workspace: c.workspace,
      pulls: [pullFixture(c)]
    })
    const r = await s.run()
    ok(r)
    expect(r.env.GITHUB_SHA).toBe(c.mergeSha)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'pull_request_review_comment',
      pr: 5,
      head: 'feature',
      headSha: short(c.headSha),
      base: 'main',
      baseSha: short(c.baseSha)
    })
    expect(prompt).toContain('mul should guard against overflow')
    expect(listed(prompt)).toEqual(['modified src/math.ts'])
    expect(s.github.requestsTo('GET', /\/pulls\/5$/)).toHaveLength(0)
    expect(s.github.liveComments(5)).toHaveLength(1)
  })
})

const PUSH_BASE: Files = { 'a.txt': 'a\n', 'lib/keep.txt': 'keep\n' }
const PUSH_COMMITS: Files[] = [{ 'b.txt': 'b\n' }, { 'a.txt': 'A\n', 'lib/keep.txt': null }]

describe('push', () => {
  it('diffs before..after on a depth-1 branch checkout', async () => {
    const p = track(makePushCheckout({ base: PUSH_BASE, commits: PUSH_COMMITS }))
    const s = await scenario({ eventName: 'push', payload: pushPayload(p), workspace: p.workspace })
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'push',
      branch: 'main',
      branchSha: short(p.after),
      baseSha: short(p.before),
      pr: undefined,
      source: 'read with git'
    })
    expect(listed(prompt).sort()).toEqual(['added b.txt', 'deleted lib/keep.txt', 'modified a.txt'])
    expect(hunksOf(prompt)).toContain('-a\n+A')
    expect(r.outputs.result).toBe('created')
    expect(s.github.comments).toHaveLength(0)
    const tags = (s.devin.requestsTo('POST', /\/sessions$/)[0]?.json as { tags: string[] }).tags
    expect(tags).toContain('gh:acme/widgets@main:default')
  })

  it('a new branch (before all zeros) is measured against the default branch', async () => {
    const p = track(
      makePushCheckout({ base: PUSH_BASE, commits: PUSH_COMMITS, branch: 'topic', newBranch: true })
    )
    const s = await scenario({ eventName: 'push', payload: pushPayload(p), workspace: p.workspace })
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      branch: 'topic',
      branchSha: short(p.after),
      base: 'main',
      // The default branch's tip, looked up on origin (the checkout had only the pushed commit).
      baseSha: short(p.forkPointSha),
      source: 'read with git'
    })
    expect(listed(prompt).sort()).toEqual(['added b.txt', 'deleted lib/keep.txt', 'modified a.txt'])
  })

  it('a force push (before is not an ancestor) shows what the new tip adds since the fork', async () => {
    const p = track(
      makePushCheckout({
        base: PUSH_BASE,
        commits: [{ 'new.txt': 'new\n' }],
        forcePush: true
      })
    )
    const s = await scenario({
      eventName: 'push',
      payload: pushPayload(p, { forced: true }),
      workspace: p.workspace
    })
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    const ctx = promptContext(prompt)
    expect(ctx).toMatchObject({ branchSha: short(p.after), baseSha: short(p.before) })
    // The force-pushed-away commit's file is neither listed as added nor as deleted.
    expect(listed(prompt)).toEqual(['added new.txt'])
    expect(prompt).not.toContain('rewritten-away.txt')
    expect(ctx.sourceNote).toContain(`merge base ${p.forkPointSha.slice(0, 7)}`)
    expect(ctx.sourceNote).toMatch(/not an ancestor/)
  })

  it('a push that deletes the branch is a skip', async () => {
    const p = track(makePushCheckout({ base: PUSH_BASE, commits: PUSH_COMMITS, branch: 'gone' }))
    const s = await scenario({
      eventName: 'push',
      payload: pushPayload(p, { deleted: true }),
      workspace: p.workspace
    })
    expectSkipped(s, await s.run(), /no change: the push deleted the branch/)
  })
})

describe('schedule and workflow_dispatch', () => {
  /** A `develop` branch two commits ahead of `main`, checked out at depth 1. */
  function developCheckout() {
    return track(makePushCheckout({ base: PUSH_BASE, commits: PUSH_COMMITS, branch: 'develop' }))
  }
  // A schedule's payload names no sender; the runner's actor is whoever last edited the cron.
  const branchEnv = (sha: string) => ({
    GITHUB_REF: 'refs/heads/develop',
    GITHUB_SHA: sha,
    GITHUB_ACTOR: 'alice',
    GITHUB_TRIGGERING_ACTOR: 'alice'
  })

  it('schedule on a branch with base-ref: diffs the branch against the resolved base', async () => {
    const p = developCheckout()
    const s = await scenario({
      eventName: 'schedule',
      payload: schedulePayload(),
      workspace: p.workspace,
      env: branchEnv(p.after)
    })
    const r = await s.run({ 'base-ref': 'main' })
    ok(r)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'schedule',
      branch: 'develop',
      branchSha: short(p.after),
      base: 'main',
      baseSha: short(p.forkPointSha),
      source: 'read with git'
    })
    expect(listed(prompt).sort()).toEqual(['added b.txt', 'deleted lib/keep.txt', 'modified a.txt'])
  })

  it('workflow_dispatch with base-ref diffs the dispatched branch against it', async () => {
    const p = developCheckout()
    const s = await scenario({
      eventName: 'workflow_dispatch',
      payload: dispatchPayload({ base: 'main' }, 'refs/heads/develop'),
      workspace: p.workspace,
      env: { GITHUB_SHA: p.after }
    })
    const r = await s.run({ 'base-ref': 'main' })
    ok(r)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'workflow_dispatch',
      branch: 'develop',
      base: 'main',
      baseSha: short(p.forkPointSha)
    })
    expect(listed(prompt)).toHaveLength(3)
  })

  it('workflow_dispatch without pr-number or base-ref: no commit diff, said plainly; workspace edits still go', async () => {
    const p = developCheckout()
    writeFiles(p.workspace, { 'notes/todo.md': 'investigate the flaky test\n' })
    const s = await scenario({
      eventName: 'workflow_dispatch',
      payload: dispatchPayload({}, 'refs/heads/develop'),
      workspace: p.workspace,
      env: { GITHUB_SHA: p.after }
    })
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    const ctx = promptContext(prompt)
    expect(ctx).toMatchObject({ branch: 'develop', branchSha: short(p.after), base: undefined })
    expect(ctx.sourceNote).toMatch(/no diff of commits: no base commit to compare with/)
    expect(fileListOf(prompt, 'commits')).toEqual([])
    expect(listed(prompt, 'uncommitted')).toEqual(['added notes/todo.md'])
    expect(hunksOf(prompt, 'uncommitted')).toContain('+investigate the flaky test')
  })

  it('workflow_dispatch with pr-number reads that PR and diffs it from the default branch checkout', async () => {
    const c = prCheckout(21)
    const s = await scenario({
      eventName: 'workflow_dispatch',
      payload: dispatchPayload({ pr: '21' }),
      workspace: makeBranchCheckout(c, c.baseSha),
      env: { GITHUB_SHA: c.baseSha },
      pulls: [pullFixture(c, { title: 'Dispatch me' })]
    })
    const r = await s.run({ 'pr-number': '21' })
    ok(r)
    expect(s.github.requestsTo('GET', '/repos/acme/widgets/pulls/21')).toHaveLength(1)
    const prompt = sentPrompt(s.devin)
    expect(promptContext(prompt)).toMatchObject({
      event: 'workflow_dispatch',
      pr: 21,
      head: 'feature',
      headSha: short(c.headSha),
      base: 'main',
      baseSha: short(c.baseSha),
      source: 'read with git'
    })
    expect(prompt).toContain('Dispatch me')
    expect(listed(prompt)).toEqual(['modified src/math.ts'])
    expect(s.github.liveComments(21)).toHaveLength(1)
  })
})

describe('events with nothing to hand off', () => {
  it('release is an unsupported event: skipped, exit 0, no Devin request', async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const s = await scenario({
      eventName: 'release',
      payload: releasePayload(),
      workspace: repo.workspace
    })
    const r = await s.run()
    expectSkipped(s, r, /unsupported event 'release'/)
    expect(r.outputs['session-id']).toBe('')
    expect(s.github.comments).toHaveLength(0)
  })
})
