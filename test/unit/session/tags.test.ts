import { describe, expect, it } from 'vitest'
import type { RunContext } from '../../../src/run/context.ts'
import { readInputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import { ACTION_TAG, runTag, sessionTags, threadTag } from '../../../src/session/tags.ts'

const ctx = (over: Partial<RunContext> = {}): RunContext =>
  ({ owner: 'octo', repo: 'repo', runId: '4711', runAttempt: '2', ...over }) as RunContext

function target(o: { pr?: number; headRef?: string } = {}): Target {
  return {
    owner: 'octo',
    repo: 'repo',
    slug: 'octo/repo',
    eventName: o.pr ? 'pull_request' : 'push',
    headRef: o.headRef ?? '',
    headSha: '',
    baseRef: '',
    baseSha: '',
    pr: o.pr
      ? {
          number: o.pr,
          url: '',
          title: '',
          body: '',
          author: '',
          isFork: false,
          headRepo: 'octo/repo',
          draft: false
        }
      : undefined
  }
}

describe('threadTag', () => {
  it('names the PR and key', () => {
    expect(threadTag(target({ pr: 12, headRef: 'feature' }), 'default')).toBe(
      'gh:octo/repo#12:default'
    )
  })

  it('names the branch without a PR, HEAD without a branch', () => {
    expect(threadTag(target({ headRef: 'release/1.2' }), 'nightly')).toBe(
      'gh:octo/repo@release/1.2:nightly'
    )
    expect(threadTag(target(), 'k')).toBe('gh:octo/repo@HEAD:k')
  })
})

describe('runTag', () => {
  it('names the run attempt and key', () => {
    expect(runTag(ctx(), 'default')).toBe('gh-run:octo/repo:4711.2:default')
  })

  it('tells apart attempts of one run, and local runs without a run id', () => {
    expect(runTag(ctx({ runAttempt: '3' }), 'k')).not.toBe(runTag(ctx(), 'k'))
    expect(runTag(ctx({ runId: '' }), 'k')).toBe('gh-run:octo/repo:local.2:k')
  })
})

describe('sessionTags', () => {
  it('puts the action, thread and run tags first, then the user tags, without repeats', async () => {
    const inputs = await readInputs(
      (n) =>
        ({
          prompt: 'x',
          'comment-key': 'review',
          tags: `team-a, ${ACTION_TAG}, team-b, team-a`
        })[n] ?? '',
      '/nonexistent'
    )
    expect(sessionTags(inputs, target({ pr: 5 }), ctx())).toEqual([
      'github-action',
      'gh:octo/repo#5:review',
      'gh-run:octo/repo:4711.2:review',
      'gh:octo/repo',
      'gh:octo/repo#5',
      'team-a',
      'team-b'
    ])
  })

  it('adds the live index only when a comment or check run will show the session', async () => {
    const inputs = await readInputs((n) => ({ prompt: 'x' })[n] ?? '', '/nonexistent')
    const onBranch = sessionTags(inputs, target({ headRef: 'main' }), ctx(), { shown: true })
    expect(onBranch).toEqual([
      'github-action',
      'gh:octo/repo@main:default',
      'gh-run:octo/repo:4711.2:default',
      'gh:octo/repo',
      'gh-live:octo/repo'
    ])
    expect(sessionTags(inputs, target({ pr: 5 }), ctx())).not.toContain('gh-live:octo/repo')
  })
})
