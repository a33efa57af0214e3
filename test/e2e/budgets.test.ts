/**
 * Budgets and loop breakers, end to end: the built action against the emulators. A budget is
 * counted from Devin's list by the PR tag (all comment keys, ended sessions too), stops the run as
 * a skip with one list request and nothing else sent to Devin, and shows on the sticky comment.
 * The loop breakers stop a run before any request at all, whatever `allowed-bots` says.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { decodeState } from '../../src/state/marker.ts'
import { headlineOf } from '../helpers/comment.ts'
import { commentOnPr } from '../helpers/pr-updates.ts'
import { OWNER, PR, PR_TAG, REPO, prScenario, type PrScenario } from '../helpers/scenario.ts'
import type { ActionResult } from '../helpers/run-action.ts'

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

const LIST = 'GET /v3/organizations/:org/sessions'

/** What the run sent to Devin, by route, from request number `from` on. */
const sentSince = (sc: PrScenario, from: number): Record<string, number> =>
  sc.devin.requestCounts(from)

function expectBudgetSkip(r: ActionResult, reason: string): void {
  expect(r.code, r.stdout).toBe(0)
  expect(r.outputs.result).toBe('skipped')
  expect(r.outputs['skip-reason']).toBe(reason)
  expect(r.outputs['session-id']).toBe('')
  const notices = r.commands.filter((c) => c.command === 'notice').map((c) => c.message)
  expect(notices).toContain(`Devin handoff skipped: ${reason}`)
  expect(r.commands.filter((c) => c.command === 'error')).toEqual([])
}

describe('max-sessions-per-pr', () => {
  it('counts the sessions of every comment key, ended ones too, and then creates no more', async () => {
    s = await prScenario()
    const a = await s.run({ 'comment-key': 'lint' })
    s.devin.setSession(a.outputs['session-id'] ?? '', { status: 'exit', acus_consumed: 1 })
    const b = await s.run({ 'comment-key': 'docs', 'max-sessions-per-pr': '2' })
    expect(b.outputs.result, b.stdout).toBe('created')
    expect(s.devin.createCount).toBe(2)

    const before = s.devin.requests.length
    const third = await s.run({ 'comment-key': 'lint', 'max-sessions-per-pr': '2' })
    const reason = 'budget: this pull request has had 2 Devin sessions (max-sessions-per-pr: 2)'
    expectBudgetSkip(third, reason)
    expect(s.devin.createCount).toBe(2)
    // Nothing was sent to Devin but the list by the exact PR tag.
    expect(sentSince(s, before)).toEqual({ [LIST]: 1 })
    const listed = s.devin.requests.slice(before)[0]
    expect([listed?.query.tags].flat()).toEqual([PR_TAG])

    // The comment of this key still shows its session, with the budget's line under the headline.
    const lint = s.github
      .liveComments(PR)
      .find((c) => c.body.startsWith('<!-- devin-handoff:lint -->'))
    const body = lint?.body ?? ''
    expect(headlineOf(body)).toMatch(/^\*\*/)
    expect(body).toContain(`Nothing was sent to Devin by [this run]`)
    expect(body).toContain(reason)
    expect(body).toContain(a.outputs['session-url'] ?? 'missing')
    expect(decodeState(body)?.session?.id).toBe(a.outputs['session-id'])
    expect(third.outputs['comment-url']).toBe(a.outputs['comment-url'])
    expect(s.github.liveComments(PR)).toHaveLength(2)
  })

  it('lets a follow-up message to the live session through: it is not a new session', async () => {
    s = await prScenario()
    const first = await s.run()
    const r = await s.run({ 'reuse-session': 'true', 'max-sessions-per-pr': '1' })
    expect(r.outputs.result, r.stdout).toBe('reused')
    expect(r.outputs['session-id']).toBe(first.outputs['session-id'])
    expect(s.devin.requestsTo('POST', /\/messages$/)).toHaveLength(1)
    expect(s.devin.createCount).toBe(1)
  })

  it('is not asked for without a budget: no list request', async () => {
    s = await prScenario()
    const before = s.devin.requests.length
    const r = await s.run({ 'max-sessions-per-pr': '0', 'max-acus-per-pr': '0' })
    expect(r.outputs.result).toBe('created')
    expect(sentSince(s, before)[LIST]).toBeUndefined()
  })
})

describe('max-acus-per-pr', () => {
  it('sums the ACUs of all the PR’s sessions and stops a create, writing a skip report', async () => {
    s = await prScenario()
    s.devin.seedSessions([
      { tags: [PR_TAG, `${PR_TAG}:lint`], state: { status: 'exit', acus_consumed: 2.25 } },
      { tags: [PR_TAG, `${PR_TAG}:docs`], state: { status: 'suspended', acus_consumed: 1.5 } },
      // Another PR's session: not this PR's spending.
      { tags: [`gh:${OWNER}/${REPO}#8`], state: { acus_consumed: 100 } }
    ])
    const ok = await s.run({ 'max-acus-per-pr': '3.8', comment: 'false' })
    expect(ok.outputs.result, ok.stdout).toBe('created')
    s.devin.setSession(ok.outputs['session-id'] ?? '', { acus_consumed: 0.05 })

    const before = s.devin.requests.length
    const r = await s.run({ 'max-acus-per-pr': '3.8' })
    expectBudgetSkip(
      r,
      "budget: this pull request's Devin sessions have used 3.8 ACUs (max-acus-per-pr: 3.8)"
    )
    expect(sentSince(s, before)).toEqual({ [LIST]: 1 })
    expect(s.devin.createCount).toBe(1)
    // No comment of this key existed: the run's own skip report.
    const [comment] = s.github.liveComments(PR)
    expect(comment?.body).toContain('**Skipped:**')
    expect(decodeState(comment?.body ?? '')?.result).toBe('skipped')
  })

  it('stops a follow-up message to the live session too', async () => {
    s = await prScenario()
    const first = await s.run()
    s.devin.setSession(first.outputs['session-id'] ?? '', { acus_consumed: 5 })
    const before = s.devin.requests.length
    const r = await s.run({ 'reuse-session': 'true', 'max-acus-per-pr': '5' })
    expectBudgetSkip(
      r,
      "budget: this pull request's Devin sessions have used 5 ACUs (max-acus-per-pr: 5)"
    )
    expect(sentSince(s, before)).toEqual({ [LIST]: 1 })
    expect(s.devin.requestsTo('POST', /\/messages$/)).toHaveLength(0)
  })
})

describe('loop breakers', () => {
  /** A skip before anything: no request to Devin, no write to GitHub, not even a reaction. */
  function expectLoopSkip(sc: PrScenario, r: ActionResult, reason: RegExp, writes: number): void {
    expect(r.code, r.stdout).toBe(0)
    expect(r.outputs.result).toBe('skipped')
    expect(r.outputs['skip-reason']).toMatch(reason)
    expect(sc.devin.requests).toHaveLength(0)
    expect(sc.github.writeCount).toBe(writes)
    expect(sc.github.reactions).toHaveLength(0)
  }

  it("never hands off Devin's own comment, even with allowed-bots '*'", async () => {
    s = await prScenario()
    const ev = commentOnPr(s, '/devin I pushed a fix', {
      login: 'devin-ai-integration[bot]',
      type: 'Bot'
    })
    const writes = s.github.writeCount
    const r = await ev.run({
      'trigger-phrase': '/devin',
      'allowed-bots': '*',
      'require-permission': 'none'
    })
    expectLoopSkip(s, r, /^loop: the comment is by Devin's GitHub App/, writes)
  })

  it('never hands off a comment carrying its own marker, whoever wrote it', async () => {
    s = await prScenario()
    const ev = commentOnPr(s, '/devin go\n<!-- devin-handoff:default -->')
    const writes = s.github.writeCount
    const r = await ev.run({ 'trigger-phrase': '/devin' })
    expectLoopSkip(s, r, /^loop: the comment carries Devin Handoff's own marker/, writes)
  })

  it('never follows a workflow_run of its own workflow', async () => {
    s = await prScenario()
    const run = (path: string) =>
      s?.run(
        {},
        {
          eventName: 'workflow_run',
          payload: {
            action: 'completed',
            workflow_run: { id: 5, path, conclusion: 'failure', head_sha: s.checkout.headSha },
            repository: { full_name: `${OWNER}/${REPO}`, default_branch: 'main' },
            sender: { login: 'alice', type: 'User' }
          },
          env: {
            GITHUB_WORKFLOW_REF: `${OWNER}/${REPO}/.github/workflows/devin.yml@refs/heads/main`
          }
        }
      ) as Promise<ActionResult>
    const own = await run('.github/workflows/devin.yml')
    expectLoopSkip(
      s,
      own,
      /^loop: the workflow run that triggered this one is this workflow \(\.github\/workflows\/devin\.yml\)/,
      0
    )
    // Another workflow's run is not a loop (what happens to it is the CI handoff's business).
    const other = await run('.github/workflows/ci.yml')
    expect(other.code, other.stdout + other.stderr).toBe(0)
    expect(other.outputs['skip-reason'] ?? '').not.toMatch(/^loop:/)
    expect(other.outputs.result).toBe('created')
  })
})
