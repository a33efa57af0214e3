/**
 * Who may spend ACUs, end to end: the built action under Node 24 against the emulators, with the
 * event payloads and tokens GitHub really hands to fork PRs, Dependabot and comment triggers.
 * Every refusal must be a skip (exit 0, result=skipped, a notice, the summary), never a red check,
 * and must happen before anything reaches Devin.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { TokenIdentity } from '../emulators/github.ts'
import { runGit } from '../helpers/checkout.ts'
import { dispatchPayload, makeBranchCheckout, schedulePayload } from '../helpers/events.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import {
  GITHUB_TOKEN,
  OWNER,
  REPO,
  prScenario,
  type PrScenario,
  type PrScenarioOptions
} from '../helpers/scenario.ts'
import { renderedText } from '../helpers/markdown.ts'

const FORK = 'mallory/widgets'
/** What `${{ github.token }}` is on a fork PR or a Dependabot run: it can read, not write. */
const READ_ONLY: Record<string, TokenIdentity> = {
  [GITHUB_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', installation: true, readOnly: true }
}
/** Secrets are not passed to fork PRs or (Actions secrets) to Dependabot runs: the input is empty. */
const NO_SECRETS = { 'api-key': '' }

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

async function scenario(o: PrScenarioOptions = {}): Promise<PrScenario> {
  s = await prScenario(o)
  return s
}

function expectSkip(r: ActionResult, reason: RegExp): void {
  const log = r.stdout + r.stderr
  expect(r.code, log).toBe(0)
  expect(r.outputs.result).toBe('skipped')
  expect(r.outputs['skip-reason']).toMatch(reason)
  const notice = r.commands.find((c) => c.command === 'notice')
  expect(notice?.message).toBe(`Devin handoff skipped: ${r.outputs['skip-reason']}`)
  expect(renderedText(r.summary)).toContain(r.outputs['skip-reason'])
  expect(r.commands.filter((c) => c.command === 'error')).toEqual([])
  expect(r.outputs['session-id'] ?? '').toBe('')
}

function expectHandoff(r: ActionResult, t: PrScenario): void {
  expect(r.code, r.stdout + r.stderr).toBe(0)
  expect(r.outputs.result).toBe('created')
  expect(t.devin.createCount).toBe(1)
  expect(r.outputs['session-id']).toBe([...t.devin.sessions.keys()][0])
}

const permissionLookups = (t: PrScenario): string[] =>
  t.github
    .requestsTo('GET', /\/collaborators\/[^/]+\/permission$/)
    .map((q) => decodeURIComponent(q.path.split('/')[5] ?? ''))

function markBot(payload: Record<string, unknown>, login: string): void {
  const pr = payload.pull_request as { user: { type: string } }
  pr.user.type = 'Bot'
  payload.sender = { login, type: 'Bot' }
}

describe('pull_request from a fork', () => {
  it('is skipped with a clear reason, even though the fork run gets no secrets', async () => {
    const t = await scenario({ headRepo: FORK, author: 'mallory', github: { tokens: READ_ONLY } })
    const r = await t.run(NO_SECRETS)
    expectSkip(
      r,
      /^fork: pull request #7 comes from mallory\/widgets\. .*'pull_request_target' .*allow-forks/
    )
    expect(t.devin.requests).toHaveLength(0)
    expect(t.github.requests).toHaveLength(0)
  })

  it('is skipped when a key is configured too', async () => {
    const t = await scenario({ headRepo: FORK, author: 'mallory', github: { tokens: READ_ONLY } })
    const r = await t.run()
    expectSkip(r, /^fork: /)
    expect(t.devin.requests).toHaveLength(0)
  })

  it('hands off with allow-forks; the read-only token only costs the comment', async () => {
    const t = await scenario({ headRepo: FORK, author: 'mallory', github: { tokens: READ_ONLY } })
    const r = await t.run({ 'allow-forks': 'true' })
    expectHandoff(r, t)
    const warning = r.commands.find((c) => c.command === 'warning')
    expect(warning?.message).toMatch(/Could not write the PR comment: 403 Resource not accessible/)
    expect(t.github.liveComments(7)).toHaveLength(0)
  })

  it('with allow-forks but no key (plain pull_request), fails naming the input', async () => {
    const t = await scenario({ headRepo: FORK, author: 'mallory', github: { tokens: READ_ONLY } })
    const r = await t.run({ ...NO_SECRETS, 'allow-forks': 'true' })
    expect(r.code).toBe(1)
    expect(r.commands.find((c) => c.command === 'error')?.message).toMatch(
      /^Input 'api-key': is required.*pull_request_target/
    )
    expect(t.devin.requests).toHaveLength(0)
    expect(t.github.requests).toHaveLength(0)
  })
})

describe('pull_request_target from a fork', () => {
  it('hands off by API without checking out or writing anything from the head', async () => {
    const t = await scenario({ headRepo: FORK, author: 'mallory' })
    const ws = t.checkout.workspace
    // pull_request_target: actions/checkout checks out the base branch, not the PR.
    runGit(ws, [
      'fetch',
      '-q',
      '--depth=1',
      'origin',
      `+${t.checkout.baseSha}:refs/remotes/origin/main`
    ])
    runGit(ws, ['checkout', '-q', '--force', '--detach', t.checkout.baseSha])
    const before = {
      head: runGit(ws, ['rev-parse', 'HEAD']),
      status: runGit(ws, ['status', '--porcelain', '--ignored']),
      refs: runGit(ws, ['for-each-ref', '--format=%(refname) %(objectname)']),
      file: readFileSync(join(ws, 'src/math.ts'), 'utf8')
    }
    const r = await t.run(
      { 'allow-forks': 'true' },
      {
        eventName: 'pull_request_target',
        env: {
          GITHUB_ACTOR: 'mallory',
          GITHUB_TRIGGERING_ACTOR: 'mallory',
          GITHUB_SHA: t.checkout.baseSha,
          GITHUB_REF: 'refs/heads/main'
        }
      }
    )
    expectHandoff(r, t)
    const prompt = (t.devin.requestsTo('POST', /\/sessions$/)[0]?.json as { prompt: string }).prompt
    expect(prompt).toContain('+export function mul(a: number, b: number): number {')
    // Nothing from the head reached the work tree, the index, HEAD or any ref.
    expect(runGit(ws, ['rev-parse', 'HEAD'])).toBe(before.head)
    expect(runGit(ws, ['status', '--porcelain', '--ignored'])).toBe(before.status)
    expect(runGit(ws, ['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(before.refs)
    expect(readFileSync(join(ws, 'src/math.ts'), 'utf8')).toBe(before.file)
    expect(before.file).not.toContain('mul')
    expect(t.github.liveComments(7)).toHaveLength(1)
  })
})

describe('bots', () => {
  it('skips Dependabot with exit 0 and a notice, though its run has no secrets', async () => {
    const t = await scenario({ author: 'dependabot[bot]', github: { tokens: READ_ONLY } })
    markBot(t.payload, 'dependabot[bot]')
    const r = await t.run(NO_SECRETS)
    expectSkip(
      r,
      /^bot: dependabot\[bot\] \(triggering actor\) is a bot not listed in 'allowed-bots'/
    )
    expect(r.commands.filter((c) => c.command === 'warning')).toEqual([])
    expect(t.devin.requests).toHaveLength(0)
    expect(t.github.requests).toHaveLength(0)
  })

  it('hands off for a bot listed in allowed-bots, without a permission lookup', async () => {
    const t = await scenario({ author: 'dependabot[bot]' })
    markBot(t.payload, 'dependabot[bot]')
    const r = await t.run({ 'allowed-bots': 'renovate[bot], dependabot[bot]' })
    expectHandoff(r, t)
    expect(permissionLookups(t)).toEqual([])
    expect(r.commands.filter((c) => c.command === 'warning')).toEqual([])
  })

  it('still skips a bot that is not the one listed', async () => {
    const t = await scenario({ author: 'renovate[bot]' })
    markBot(t.payload, 'renovate[bot]')
    const r = await t.run({ 'allowed-bots': 'dependabot[bot]' })
    expectSkip(r, /^bot: renovate\[bot\]/)
    expect(t.devin.requests).toHaveLength(0)
  })

  it("'*' lets any bot through, with a warning", async () => {
    const t = await scenario({ author: 'renovate[bot]' })
    markBot(t.payload, 'renovate[bot]')
    const r = await t.run({ 'allowed-bots': '*' })
    expectHandoff(r, t)
    const warnings = r.commands.filter((c) => c.command === 'warning').map((c) => c.message)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/allowed-bots.*'\*'/)
  })
})

describe('require-permission', () => {
  it("skips an actor with 'read' when 'write' is required", async () => {
    const t = await scenario({ github: { permissions: { alice: 'read' } } })
    const r = await t.run()
    expectSkip(
      r,
      /^permission: alice \(triggering actor\) has 'read' on acme\/widgets, 'write' is required$/
    )
    expect(permissionLookups(t)).toEqual(['alice'])
    expect(t.devin.requests).toHaveLength(0)
    expect(t.github.comments).toHaveLength(0)
  })

  it('skips someone who is no collaborator at all', async () => {
    const t = await scenario({ github: { permissions: {} } })
    const r = await t.run()
    expectSkip(r, /^permission: alice \(triggering actor\) has 'none'/)
    expect(t.devin.requests).toHaveLength(0)
  })

  it("hands off the same actor when only 'read' is required", async () => {
    const t = await scenario({ github: { permissions: { alice: 'read' } } })
    const r = await t.run({ 'require-permission': 'read' })
    expectHandoff(r, t)
  })

  it("'maintain' is told apart from 'write' (role_name, not the legacy field)", async () => {
    const t = await scenario({ github: { permissions: { alice: 'write' } } })
    const r = await t.run({ 'require-permission': 'maintain' })
    expectSkip(r, /^permission: alice \(triggering actor\) has 'write'.*'maintain' is required/)
    expect(t.devin.requests).toHaveLength(0)
  })

  it("'none' skips the lookup altogether", async () => {
    const t = await scenario({ github: { permissions: {} } })
    const r = await t.run({ 'require-permission': 'none' })
    expectHandoff(r, t)
    expect(permissionLookups(t)).toEqual([])
  })
})

describe('comment triggers', () => {
  /** An admin re-runs a workflow that mallory's comment triggered: the comment still decides. */
  async function commentRun(authorPermission: 'read' | 'write'): Promise<{
    t: PrScenario
    r: ActionResult
  }> {
    const t = await scenario({
      github: { permissions: { root: 'admin', mallory: authorPermission } }
    })
    const payload = {
      action: 'created',
      issue: {
        number: 7,
        pull_request: { url: `${t.github.url}/repos/${OWNER}/${REPO}/pulls/7` },
        user: { login: 'alice' }
      },
      comment: {
        id: 991,
        body: '/devin please add tests for mul',
        user: { login: 'mallory', type: 'User' },
        html_url: `https://github.com/${OWNER}/${REPO}/pull/7#issuecomment-991`
      },
      repository: { full_name: `${OWNER}/${REPO}`, default_branch: 'main', private: false },
      sender: { login: 'mallory', type: 'User' }
    }
    const r = await t.run(
      { 'trigger-phrase': '/devin' },
      {
        eventName: 'issue_comment',
        payload,
        env: {
          GITHUB_ACTOR: 'root',
          GITHUB_TRIGGERING_ACTOR: 'root',
          GITHUB_SHA: t.checkout.mergeSha
        }
      }
    )
    return { t, r }
  }

  it('skips a comment author below the bar even when the actor is an admin', async () => {
    const { t, r } = await commentRun('read')
    expectSkip(r, /^permission: mallory \(comment author\) has 'read'.*'write' is required/)
    expect(permissionLookups(t).sort()).toEqual(['mallory', 'root'])
    expect(t.devin.requests).toHaveLength(0)
  })

  it('hands off when both the actor and the comment author clear the bar', async () => {
    const { t, r } = await commentRun('write')
    expectHandoff(r, t)
    const prompt = (t.devin.requestsTo('POST', /\/sessions$/)[0]?.json as { prompt: string }).prompt
    expect(prompt).toContain('please add tests for mul')
  })
})

describe('runs no person triggered', () => {
  /**
   * A run on `event` for PR #7 from the default branch, whose actor is carol. For `schedule`
   * GitHub names whoever last edited the cron line; carol has since lost access.
   */
  async function runAs(
    t: PrScenario,
    event: 'schedule' | 'workflow_dispatch',
    actor = 'carol'
  ): Promise<ActionResult> {
    const payload = event === 'schedule' ? schedulePayload() : dispatchPayload({ pr: '7' })
    if (event === 'workflow_dispatch') payload.sender = { login: actor, type: 'User' }
    return await t.run(
      { 'pr-number': '7' },
      {
        eventName: event,
        payload,
        workspace: makeBranchCheckout(t.checkout, t.checkout.baseSha),
        env: {
          GITHUB_ACTOR: actor,
          GITHUB_TRIGGERING_ACTOR: actor,
          GITHUB_SHA: t.checkout.baseSha,
          GITHUB_REF: 'refs/heads/main'
        }
      }
    )
  }
  const onlyAlice = { permissions: { alice: 'write' as const } }

  it('hands off a schedule whose cron was last edited by someone who has since lost access', async () => {
    const t = await scenario({ github: onlyAlice })
    const r = await runAs(t, 'schedule')
    expectHandoff(r, t)
    expect(permissionLookups(t)).toEqual([])
    expect(t.github.liveComments(7)).toHaveLength(1)
  })

  it('hands off a schedule whose cron a bot last edited', async () => {
    const t = await scenario({ github: onlyAlice })
    const r = await runAs(t, 'schedule', 'renovate[bot]')
    expectHandoff(r, t)
    expect(r.commands.filter((c) => c.command === 'warning')).toEqual([])
  })

  it('still skips workflow_dispatch by someone without write access: a person pressed the button', async () => {
    const t = await scenario({ github: onlyAlice })
    const r = await runAs(t, 'workflow_dispatch')
    expectSkip(r, /^permission: carol \(triggering actor\) has 'none' on acme\/widgets/)
    expect(t.devin.requests).toHaveLength(0)
  })

  it('still skips a fork PR named by pr-number on a schedule', async () => {
    const t = await scenario({ headRepo: FORK, author: 'mallory', github: onlyAlice })
    const r = await runAs(t, 'schedule')
    expectSkip(r, /^fork: pull request #7 comes from mallory\/widgets/)
    expect(t.devin.requests).toHaveLength(0)
  })
})
