/**
 * What the session unit tests (test/unit/session/) hand off: PR 3 of octo/repo from `feature`
 * into `main`, the run that hands it off, its inputs, the failed CI run of its head, and the
 * action's session of its thread.
 */
import type { DevinSession } from '../../src/devin/types.ts'
import type { Handoff } from '../../src/handoff/prepare.ts'
import type { RunContext } from '../../src/run/context.ts'
import { readInputs, type Inputs } from '../../src/run/inputs.ts'
import type { CiRun, PullRequestInfo, Target } from '../../src/run/target.ts'
import { ACTION_TAG } from '../../src/session/tags.ts'
import type { HandoffSummary } from '../../src/state/report.ts'
import { session } from './fake-devin.ts'

/** The PR's head commit, in capitals: what the action remembers of it must be lower case. */
export const HEAD = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01'
export const PR_URL = 'https://github.com/octo/repo/pull/3'
/** The tag of every session the action started for PR 3; `${PR_TAG}:<key>` is a thread's. */
export const PR_TAG = 'gh:octo/repo#3'

export const ctx = { owner: 'octo', repo: 'repo', runId: '77', runAttempt: '1' } as RunContext

/** A `pull_request` run on PR 3 (head commit unknown); `over` and `pr` change what they name. */
export function prTarget(over: Partial<Target> = {}, pr: Partial<PullRequestInfo> = {}): Target {
  return {
    owner: 'octo',
    repo: 'repo',
    slug: 'octo/repo',
    eventName: 'pull_request',
    headRef: 'feature',
    headSha: '',
    baseRef: 'main',
    baseSha: '',
    pr: {
      number: 3,
      url: PR_URL,
      title: 'Add mul',
      body: '',
      author: 'alice',
      isFork: false,
      headRepo: 'octo/repo',
      draft: false,
      ...pr
    },
    ...over
  }
}

/** The action's inputs as read from `values` (the prompt `task` unless they set one). */
export function inputs(values: Record<string, string> = {}): Promise<Inputs> {
  const all: Record<string, string> = { prompt: 'task', ...values }
  return readInputs((n) => all[n] ?? '', '/nonexistent')
}

/** The failed `CI` run of the PR's head that a `workflow_run` hands off. */
export const ciRun: CiRun = {
  id: 9,
  name: 'CI',
  path: '.github/workflows/ci.yml',
  url: 'https://github.com/octo/repo/actions/runs/9',
  headSha: HEAD.toLowerCase(),
  headBranch: 'feature',
  attempt: 1
}

/** The action's live session of PR 3 under comment key `key`, as its create tagged it. */
export const threadSession = (
  id: string,
  key = 'default',
  over: Record<string, unknown> = {}
): DevinSession => session(id, { tags: [ACTION_TAG, PR_TAG, `${PR_TAG}:${key}`], ...over })

/** What a start or follow-up sends of a handoff. */
export type SentHandoff = Pick<Handoff, 'prompt' | 'screened' | 'ci' | 'sinceLast'>

/** The head of the last handoff, where the commits since begin. */
export const FROM = '1'.repeat(40)

/** The summary of the commits since {@link FROM}: one file. */
export const deltaSummary: HandoffSummary = {
  promptBytes: 5,
  files: 1,
  source: 'git',
  truncated: false,
  omitted: 0,
  redactions: 0,
  since: FROM
}

/** The commits since {@link FROM} (`DELTA`), for the session that had the last handoff. */
export const sinceLast = (sessionId: string): NonNullable<SentHandoff['sinceLast']> => ({
  sessionId,
  from: FROM,
  incremental: true,
  prompt: 'DELTA',
  bytes: 5,
  summary: deltaSummary
})

/** The whole change (`WHOLE`) of `target`, asked for by bob's `/devin use the v2 API`. */
export const sentHandoff = (target: Target, over: Partial<SentHandoff> = {}): SentHandoff => ({
  prompt: 'WHOLE',
  screened: {
    target,
    task: 'task',
    title: '',
    requestedBy: { login: 'bob', text: 'use the v2 API' }
  },
  ...over
})
