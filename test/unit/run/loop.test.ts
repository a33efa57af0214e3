import { describe, expect, it } from 'vitest'
import type { RunContext } from '../../../src/run/context.ts'
import { DEVIN_BOTS, loopSkipReason, workflowPathOf } from '../../../src/run/trust.ts'
import { markerFor } from '../../../src/github/sticky-comment.ts'
import { STATE_PREFIX } from '../../../src/state/marker.ts'

type Comment = NonNullable<RunContext['payload']['comment']>

const onComment = (comment: Comment): RunContext =>
  ({
    eventName: 'issue_comment',
    payload: { action: 'created', comment, issue: { number: 3 } },
    owner: 'acme',
    repo: 'app'
  }) as RunContext

const human = { login: 'alice', type: 'User' }

describe('loop breakers: comments', () => {
  it("skips a comment that carries the action's marker or state line, wherever it is", () => {
    for (const body of [
      `${markerFor('default')}\nreport`,
      `@devin fix\n${markerFor('ci')}`,
      `text\n${STATE_PREFIX}e30 -->`
    ]) {
      expect(loopSkipReason(onComment({ body, user: human }))).toMatch(
        /^loop: the comment carries Devin Handoff's own marker/
      )
    }
  })

  it("skips Devin's GitHub Apps by login or by App, whatever their case", () => {
    for (const login of [...DEVIN_BOTS, 'Devin-AI-Integration[bot]']) {
      expect(
        loopSkipReason(onComment({ body: '@devin go', user: { login, type: 'Bot' } }))
      ).toMatch(/^loop: the comment is by Devin's GitHub App/)
    }
    const viaApp = onComment({
      body: '@devin go',
      user: { login: 'someone', type: 'User' },
      performed_via_github_app: { slug: 'devin-ai-integration' }
    })
    expect(loopSkipReason(viaApp)).toMatch(/Devin's GitHub App \(someone\)/)
  })

  it('skips what the default token writes (github-actions)', () => {
    const c = onComment({
      body: '@devin go',
      user: { login: 'github-actions[bot]', type: 'Bot' },
      performed_via_github_app: { slug: 'github-actions' }
    })
    expect(loopSkipReason(c)).toBe(
      'loop: the comment is by github-actions[bot], the bot this action writes as; the action never hands off its own comments'
    )
  })

  it('lets a person through, and a bot that is neither Devin nor the action (allowed-bots decides)', () => {
    expect(
      loopSkipReason(onComment({ body: '@devin fix the devin-handoff step', user: human }))
    ).toBeUndefined()
    const renovate = onComment({
      body: '@devin go',
      user: { login: 'renovate[bot]', type: 'Bot' },
      performed_via_github_app: { slug: 'renovate' }
    })
    expect(loopSkipReason(renovate)).toBeUndefined()
    expect(
      loopSkipReason(onComment({ user: human, performed_via_github_app: null }))
    ).toBeUndefined()
  })
})

const onWorkflowRun = (path: unknown, workflowRef: string): RunContext =>
  ({
    eventName: 'workflow_run',
    payload: { action: 'completed', workflow_run: { path, conclusion: 'failure' } },
    owner: 'acme',
    repo: 'app',
    workflowRef
  }) as unknown as RunContext

describe('loop breakers: workflow_run', () => {
  const ref = 'acme/app/.github/workflows/devin-ci.yml@refs/heads/main'

  it('reads the workflow file out of GITHUB_WORKFLOW_REF', () => {
    expect(workflowPathOf(ref)).toBe('.github/workflows/devin-ci.yml')
    expect(workflowPathOf('acme/app/.github/workflows/a@b.yml@refs/tags/v1')).toBe(
      '.github/workflows/a@b.yml'
    )
    expect(workflowPathOf('')).toBeUndefined()
    expect(workflowPathOf('.github/workflows/x.yml')).toBeUndefined()
  })

  it('skips a run of this very workflow', () => {
    expect(loopSkipReason(onWorkflowRun('.github/workflows/devin-ci.yml', ref))).toBe(
      'loop: the workflow run that triggered this one is this workflow (.github/workflows/devin-ci.yml); a handoff never follows its own runs'
    )
  })

  it('goes on for another workflow, and when either path is unknown', () => {
    expect(loopSkipReason(onWorkflowRun('.github/workflows/ci.yml', ref))).toBeUndefined()
    expect(loopSkipReason(onWorkflowRun(undefined, ref))).toBeUndefined()
    expect(loopSkipReason(onWorkflowRun(42, ref))).toBeUndefined()
    expect(loopSkipReason(onWorkflowRun('', ''))).toBeUndefined()
  })
})
