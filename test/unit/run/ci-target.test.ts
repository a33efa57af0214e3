import { describe, expect, it } from 'vitest'
import type { EventPayload, PullRequestPayload, RunContext } from '../../../src/run/context.ts'
import {
  ciRunOf,
  ciTarget,
  isSkip,
  pullInfo,
  PR_LOOKUP_WAITS_MS,
  type Target
} from '../../../src/run/target.ts'
import { ciTag } from '../../../src/session/tags.ts'

const SHA = 'f'.repeat(40)

function ctx(payload: EventPayload): RunContext {
  return {
    eventName: 'workflow_run',
    payload,
    owner: 'acme',
    repo: 'app',
    sha: 'main-sha',
    ref: 'refs/heads/main',
    actor: 'alice',
    triggeringActor: 'alice',
    workspace: '/tmp/ws',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '2',
    runAttempt: '1',
    runNumber: '1',
    workflow: 'Devin fixes CI',
    job: 'handoff',
    runUrl: 'https://github.com/acme/app/actions/runs/2'
  }
}

function runEvent(over: Record<string, unknown> = {}): EventPayload {
  return {
    action: 'completed',
    workflow_run: {
      id: 99,
      name: 'CI',
      path: '.github/workflows/ci.yml',
      html_url: 'https://github.com/acme/app/actions/runs/99',
      head_sha: SHA,
      head_branch: 'feature',
      conclusion: 'failure',
      run_attempt: 2,
      event: 'pull_request',
      pull_requests: [{ number: 12 }],
      ...over
    }
  }
}

const pull = (headRepo = 'acme/app'): PullRequestPayload => ({
  number: 12,
  html_url: 'https://github.com/acme/app/pull/12',
  title: 'Add parser',
  body: '',
  user: { login: 'bob' },
  head: { ref: 'feature', sha: 'e'.repeat(40), repo: { full_name: headRepo } },
  base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'acme/app' } }
})

function deps(
  o: {
    pulls?: Array<Array<{ number: number; state?: string; head?: { sha?: string } }>>
    head?: string
  } = {}
) {
  const asked: string[] = []
  const slept: number[] = []
  let i = 0
  return {
    asked,
    slept,
    d: {
      fetchPull: async (n: number) => {
        asked.push(`pull ${n}`)
        return pull(o.head)
      },
      pullsForCommit: async (sha: string) => {
        asked.push(`commit ${sha.slice(0, 4)}`)
        return o.pulls?.[Math.min(i++, o.pulls.length - 1)] ?? []
      },
      fromPull: (p: PullRequestPayload): Target => ({
        owner: 'acme',
        repo: 'app',
        slug: 'acme/app',
        eventName: 'workflow_run',
        headRef: p.head?.ref ?? '',
        headSha: p.head?.sha ?? '',
        baseRef: 'main',
        baseSha: p.base?.sha ?? '',
        pr: pullInfo(p, 'acme/app')
      }),
      sleep: async (ms: number) => {
        slept.push(ms)
      }
    }
  }
}

describe('the target of a failed workflow run', () => {
  it('is the PR the event lists, at the failing commit (not the PR head now)', async () => {
    const { d, asked } = deps()
    const t = await ciTarget(ctx(runEvent()), { baseRef: '' }, d)
    if (isSkip(t)) throw new Error(t.skip)
    expect(t.pr?.number).toBe(12)
    expect(t.headSha).toBe(SHA)
    expect(t.ci).toEqual({
      id: 99,
      name: 'CI',
      path: '.github/workflows/ci.yml',
      url: 'https://github.com/acme/app/actions/runs/99',
      headSha: SHA,
      headBranch: 'feature',
      attempt: 2
    })
    expect(asked).toEqual(['pull 12'])
    // The same on every run: neither the PR nor the branch is in it.
    expect(ciTag(t)).toBe(`gh-ci:acme/app@${SHA.slice(0, 12)}:ci`)
  })

  it("finds a fork's PR by the failing commit, asking again while GitHub has not linked it", async () => {
    const { d, asked, slept } = deps({
      pulls: [[], [{ number: 12, state: 'open', head: { sha: SHA } }]],
      head: 'eve/app'
    })
    const t = await ciTarget(ctx(runEvent({ pull_requests: [] })), { baseRef: '' }, d)
    if (isSkip(t)) throw new Error(t.skip)
    expect(t.pr).toMatchObject({ number: 12, isFork: true, headRepo: 'eve/app' })
    expect(asked).toEqual(['commit ffff', 'commit ffff', 'pull 12'])
    expect(slept).toEqual([PR_LOOKUP_WAITS_MS[0]])
  })

  it('skips a failure no open PR has as its head, after three tries for a PR run', async () => {
    const { d, slept } = deps({
      pulls: [
        [
          { number: 3, state: 'closed', head: { sha: SHA } },
          { number: 4, head: { sha: 'other' } }
        ]
      ]
    })
    const t = await ciTarget(ctx(runEvent({ pull_requests: null })), { baseRef: '' }, d)
    expect(t).toEqual({
      skip: "no open pull request of acme/app has the failed run's commit fffffff as its head"
    })
    expect(slept).toEqual(PR_LOOKUP_WAITS_MS)
  })

  it('asks once for a run a push started: no PR is coming', async () => {
    const { d, slept, asked } = deps({ pulls: [[]] })
    const t = await ciTarget(
      ctx(runEvent({ pull_requests: [], event: 'push' })),
      { baseRef: '' },
      d
    )
    expect(isSkip(t)).toBe(true)
    expect(asked).toEqual(['commit ffff'])
    expect(slept).toEqual([])
  })

  it.each([
    ['success', "the workflow run 'CI' did not fail (conclusion: success)"],
    ['cancelled', "the workflow run 'CI' did not fail (conclusion: cancelled)"],
    [null, "the workflow run 'CI' did not fail (conclusion: none)"]
  ])('skips a run that ended %s, asking nothing', async (conclusion, reason) => {
    const { d, asked } = deps()
    expect(await ciTarget(ctx(runEvent({ conclusion })), { baseRef: '' }, d)).toEqual({
      skip: reason
    })
    expect(asked).toEqual([])
  })

  it('skips an event without its run', async () => {
    const { d } = deps()
    expect(await ciTarget(ctx({ action: 'completed' }), { baseRef: '' }, d)).toEqual({
      skip: 'a workflow_run event without its run'
    })
    expect(ciRunOf({ id: 1 })).toBeUndefined()
  })
})
