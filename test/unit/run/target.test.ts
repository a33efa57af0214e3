import { describe, expect, it } from 'vitest'
import { resolveTarget, isSkip, pullInfo, type Target } from '../../../src/run/target.ts'
import type { EventPayload, PullRequestPayload, RunContext } from '../../../src/run/context.ts'

function ctx(
  eventName: string,
  payload: EventPayload,
  extra: Partial<RunContext> = {}
): RunContext {
  return {
    eventName,
    payload,
    owner: 'acme',
    repo: 'app',
    sha: 'c0ffee',
    ref: 'refs/heads/main',
    actor: 'alice',
    triggeringActor: 'alice',
    workspace: '/tmp/ws',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '1',
    runAttempt: '1',
    runNumber: '1',
    workflow: 'w',
    job: 'j',
    runUrl: 'https://github.com/acme/app/actions/runs/1',
    ...extra
  }
}

const pr: PullRequestPayload = {
  number: 12,
  html_url: 'https://github.com/acme/app/pull/12',
  title: 'Add parser',
  body: 'Body',
  user: { login: 'bob' },
  head: { ref: 'feature', sha: 'aaa', repo: { full_name: 'acme/app', fork: false } },
  base: { ref: 'main', sha: 'bbb', repo: { full_name: 'acme/app' } }
}

const noFetch = async (_n: number): Promise<PullRequestPayload> => {
  throw new Error('should not fetch')
}

async function target(c: RunContext, opts = { baseRef: '' }, fetch = noFetch): Promise<Target> {
  const t = await resolveTarget(c, opts, fetch)
  if (isSkip(t)) throw new Error(`unexpected skip: ${t.skip}`)
  return t
}

describe('resolveTarget', () => {
  it('reads pull_request events from the payload', async () => {
    const t = await target(ctx('pull_request', { pull_request: pr }))
    expect(t).toMatchObject({
      slug: 'acme/app',
      headRef: 'feature',
      headSha: 'aaa',
      baseRef: 'main',
      baseSha: 'bbb'
    })
    expect(t.pr).toMatchObject({ number: 12, title: 'Add parser', isFork: false, author: 'bob' })
  })

  it('marks forks and deleted head repositories', () => {
    expect(
      pullInfo({ ...pr, head: { ...pr.head, repo: { full_name: 'mallory/app' } } }, 'acme/app')
        .isFork
    ).toBe(true)
    expect(pullInfo({ ...pr, head: { ...pr.head, repo: null } }, 'acme/app').isFork).toBe(true)
  })

  it('reads the PR through the API for comments on a PR', async () => {
    const asked: number[] = []
    const t = await target(
      ctx('issue_comment', {
        action: 'created',
        issue: { number: 12, pull_request: { url: 'x' } },
        comment: { body: 'hi' }
      }),
      { baseRef: '' },
      async (n) => {
        asked.push(n)
        return pr
      }
    )
    expect(asked).toEqual([12])
    expect(t.pr?.number).toBe(12)
  })

  it('skips comments on plain issues and unsupported events', async () => {
    const a = await resolveTarget(
      ctx('issue_comment', { issue: { number: 3 } }),
      { baseRef: '' },
      noFetch
    )
    expect(isSkip(a) && a.skip).toMatch(/not a pull request/)
    const b = await resolveTarget(ctx('release', {}), { baseRef: '' }, noFetch)
    expect(isSkip(b) && b.skip).toBe("unsupported event 'release'")
  })

  it('measures a push from before to after', async () => {
    const t = await target(ctx('push', { ref: 'refs/heads/dev', before: '111', after: '222' }))
    expect(t).toMatchObject({ headRef: 'dev', headSha: '222', baseSha: '111', baseRef: '' })
  })

  it('measures a new branch against the default branch', async () => {
    const t = await target(
      ctx('push', {
        ref: 'refs/heads/dev',
        before: '0'.repeat(40),
        after: '222',
        repository: { default_branch: 'main' }
      })
    )
    expect(t).toMatchObject({ baseSha: '', baseRef: 'main' })
  })

  it('skips a branch deletion', async () => {
    const t = await resolveTarget(
      ctx('push', { deleted: true, ref: 'refs/heads/x' }),
      { baseRef: '' },
      noFetch
    )
    expect(isSkip(t)).toBe(true)
  })

  it('uses pr-number for dispatch and schedule, base-ref otherwise', async () => {
    const t = await target(
      ctx('workflow_dispatch', {}),
      { baseRef: '', prNumber: 12 } as never,
      async () => pr
    )
    expect(t.pr?.number).toBe(12)
    const s = await target(ctx('schedule', {}, { ref: 'refs/heads/nightly' }), { baseRef: 'main' })
    expect(s).toMatchObject({ headRef: 'nightly', headSha: 'c0ffee', baseRef: 'main', baseSha: '' })
    expect(s.pr).toBeUndefined()
  })

  it('lets base-ref override the PR base', async () => {
    const t = await target(ctx('pull_request', { pull_request: pr }), { baseRef: 'release' })
    expect(t).toMatchObject({ baseRef: 'release', baseSha: '' })
  })
})
