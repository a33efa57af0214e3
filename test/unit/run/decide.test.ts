import { describe, expect, it } from 'vitest'
import type { GitHubApi } from '../../../src/github/client.ts'
import type { EventPayload, PullRequestPayload, RunContext } from '../../../src/run/context.ts'
import { decide, wantsComment } from '../../../src/run/decide.ts'
import { InputError, readInputs, type Inputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'

function ctx(eventName: string, payload: EventPayload, actor = 'alice'): RunContext {
  return {
    eventName,
    payload,
    owner: 'acme',
    repo: 'app',
    sha: 'c0ffee',
    ref: 'refs/heads/main',
    actor,
    triggeringActor: actor,
    workspace: '/tmp/ws',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '1',
    runAttempt: '1',
    runNumber: '1',
    workflow: 'w',
    job: 'j',
    runUrl: 'https://github.com/acme/app/actions/runs/1'
  }
}

function pull(headRepo = 'acme/app'): PullRequestPayload {
  return {
    number: 12,
    html_url: 'https://github.com/acme/app/pull/12',
    title: 'Add parser',
    body: '',
    user: { login: 'alice' },
    head: { ref: 'feature', sha: 'a'.repeat(40), repo: { full_name: headRepo } },
    base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'acme/app' } }
  }
}

const prEvent = (headRepo?: string): RunContext =>
  ctx('pull_request', { pull_request: pull(headRepo), sender: { login: 'alice', type: 'User' } })

function comment(body: string, commenter = 'alice', onPull = true): RunContext {
  return ctx(
    'issue_comment',
    {
      action: 'created',
      issue: { number: 12, ...(onPull ? { pull_request: { url: 'u' } } : {}) },
      comment: { id: 99, body, user: { login: commenter, type: 'User' } },
      sender: { login: commenter, type: 'User' }
    },
    commenter
  )
}

function inputs(values: Record<string, string> = {}): Promise<Inputs> {
  const all: Record<string, string> = { prompt: 'task', ...values }
  return readInputs((n) => all[n] ?? '', '/nonexistent')
}

/** A GitHub client that serves one PR and counts how often it was made and asked. */
function github(pr: PullRequestPayload = pull()) {
  const seen = { made: 0, pulls: [] as number[] }
  const api = {
    getPull: async (n: number) => {
      seen.pulls.push(n)
      return pr
    }
  } as Partial<GitHubApi> as GitHubApi
  return {
    seen,
    get: async () => {
      seen.made++
      return api
    }
  }
}

const silent = { warning: () => undefined }

describe('decide', () => {
  it('goes on for a PR event from a trusted person, without calling GitHub', async () => {
    const gh = github()
    const d = await decide(prEvent(), await inputs(), true, gh.get, silent)
    expect(d.skip).toBeUndefined()
    expect(d.target?.pr?.number).toBe(12)
    expect(d.target?.headRef).toBe('feature')
    expect('trigger' in d ? d.trigger : undefined).toEqual({ forceNew: false })
    expect(gh.seen.made).toBe(0)
  })

  it('skips an unsupported event before anything else', async () => {
    const gh = github()
    const d = await decide(ctx('release', {}), await inputs(), false, gh.get, silent)
    expect(d).toEqual({ skip: "unsupported event 'release'" })
    expect(gh.seen.made).toBe(0)
  })

  it("skips Devin's own comment before any GitHub call, even with allowed-bots '*'", async () => {
    const gh = github()
    const c = comment('@devin done', 'devin-ai-integration[bot]')
    const d = await decide(c, await inputs({ 'allowed-bots': '*' }), true, gh.get, silent)
    expect(d.skip).toMatch(
      /^loop: the comment is by Devin's GitHub App \(devin-ai-integration\[bot\]\)/
    )
    expect(d.target).toBeUndefined()
    expect(gh.seen.made).toBe(0)
  })

  it("refuses comment: 'true' without a pull request", async () => {
    const gh = github()
    const run = decide(ctx('push', {}), await inputs({ comment: 'true' }), true, gh.get, silent)
    await expect(run).rejects.toBeInstanceOf(InputError)
    await expect(run).rejects.toThrow(/^Input 'comment': is 'true' but no pull request/)
  })

  it('reads the PR of a comment through the API and takes the trigger from the comment', async () => {
    const gh = github()
    const d = await decide(
      comment('/devin new add tests'),
      await inputs({ 'trigger-phrase': '/devin' }),
      true,
      gh.get,
      silent
    )
    expect(gh.seen.pulls).toEqual([12])
    expect(d.skip).toBeUndefined()
    expect(d.target?.pr?.title).toBe('Add parser')
    expect('trigger' in d ? d.trigger : undefined).toEqual({
      extraTask: 'add tests',
      forceNew: true,
      comment: { id: 99, kind: 'issue', by: 'alice' }
    })
  })

  it('skips a comment without the trigger phrase, keeping the target', async () => {
    const d = await decide(
      comment('looks good'),
      await inputs({ 'trigger-phrase': '/devin' }),
      true,
      github().get,
      silent
    )
    expect(d.skip).toBe("the comment does not start with '/devin'")
    expect(d.target?.pr?.number).toBe(12)
    expect('trigger' in d ? d.trigger : undefined).toBeUndefined()
  })

  it('skips a comment on an issue that is not a pull request', async () => {
    const d = await decide(
      comment('/devin go', 'alice', false),
      await inputs(),
      true,
      github().get,
      silent
    )
    expect(d.skip).toMatch(/^issue_comment on an issue that is not a pull request/)
    expect(d.target).toBeUndefined()
  })

  it('skips a fork PR, even without a key (the skip decides first)', async () => {
    const d = await decide(prEvent('eve/app'), await inputs(), false, github().get, silent)
    expect(d.skip).toMatch(/^fork: pull request #12 comes from eve\/app/)
    expect(d.target?.pr?.number).toBe(12)
    expect('trigger' in d).toBe(false)
  })

  it('skips a bot that is not allowed', async () => {
    const c = ctx('push', { sender: { login: 'renovate[bot]', type: 'Bot' } }, 'renovate[bot]')
    const d = await decide(c, await inputs(), true, github().get, silent)
    expect(d.skip).toMatch(/^bot: renovate\[bot\]/)
  })

  it('fails a trusted run that has no key', async () => {
    await expect(decide(prEvent(), await inputs(), false, github().get, silent)).rejects.toThrow(
      /^Input 'api-key': is required/
    )
  })

  it("warns about allowed-bots '*'", async () => {
    const warnings: string[] = []
    await decide(prEvent(), await inputs({ 'allowed-bots': '*' }), true, github().get, {
      warning: (m) => warnings.push(m)
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^'allowed-bots' is '\*'/)
  })
})

describe('wantsComment', () => {
  const withPr = { pr: { number: 1 } } as Target
  const noPr = {} as Target

  it('comments on a PR by default and with comment: true', async () => {
    expect(wantsComment(await inputs(), withPr)).toBe(true)
    expect(wantsComment(await inputs({ comment: 'true' }), withPr)).toBe(true)
  })

  it('does not comment without a PR, when turned off, or on a dry run', async () => {
    expect(wantsComment(await inputs(), noPr)).toBe(false)
    expect(wantsComment(await inputs({ comment: 'false' }), withPr)).toBe(false)
    expect(wantsComment(await inputs({ 'dry-run': 'true' }), withPr)).toBe(false)
    expect(wantsComment(await inputs({ 'dry-run': 'true', comment: 'true' }), withPr)).toBe(false)
  })
})
