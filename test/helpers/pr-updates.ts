/**
 * What happens to a PR between two runs of the action: someone pushes one more commit onto its
 * head, or force-pushes a rewritten head (a new commit on the base that does not descend from the
 * old head), or comments on it. Each gives the next run what GitHub and actions/checkout would:
 * the event payload, a fresh workspace (for a push: GitHub's new test merge commit at depth 1;
 * for a comment: the default branch at depth 1), GITHUB_SHA; and the GitHub emulator's PR head
 * follows the push, as `GET /pulls/{n}` would.
 */
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import {
  checkoutBranch,
  checkoutMerge,
  commitAll,
  runGit,
  testMerge,
  type CheckoutOptions,
  type Files,
  type PullRequestCheckout
} from './checkout.ts'
import { issueCommentPayload } from './events.ts'
import type { ActionResult, RunActionOptions } from './run-action.ts'
import type { PrScenario } from './scenario.ts'

// ---------------------------------------------------------------------------------------------
// Git: origin and workspaces

/** What a push did to the PR on origin, and the workspace the next run checks out. */
export interface PrHeadUpdate {
  /** The PR head before the push. */
  before: string
  /** The PR head after it (`refs/heads/<head>` and `refs/pull/N/head` on origin). */
  headSha: string
  /** GitHub's new test merge (`refs/pull/N/merge`): first parent the base tip, second the head. */
  mergeSha: string
  /** The new head does not descend from `before`. */
  forced: boolean
  /** A new workspace as actions/checkout@v4 leaves it for this push: the merge commit, depth 1. */
  workspace: string
}

export interface PushOptions {
  /**
   * Rewrite the head instead of adding to it: new commits on the base tip holding `files`, which
   * do not descend from the old head (what a rebase or amend and force-push leaves).
   */
  force?: boolean
  message?: string
  /** The next run's checkout at depth 1 (default), or with full history (`false`). */
  shallow?: boolean
}

const seedOf = (c: PullRequestCheckout): string => join(c.root, 'seed')
const originRef = (c: PullRequestCheckout, ref: string): string =>
  runGit(c.originDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])

/** The PR's head and test merge as origin has them now (after any pushes). */
export function prRefs(c: PullRequestCheckout): { headSha: string; mergeSha: string } {
  return {
    headSha: originRef(c, `refs/pull/${c.prNumber}/head`),
    mergeSha: originRef(c, `refs/pull/${c.prNumber}/merge`)
  }
}

/**
 * Pushes `files` as one more commit onto the PR head on origin (several commits, oldest first,
 * when `files` is a list; with `force`, a rewritten head), then updates `refs/pull/N/head` and
 * GitHub's test merge `refs/pull/N/merge` the way GitHub does after a push, and checks the new
 * merge out into a fresh workspace.
 */
export function pushPrHead(
  c: PullRequestCheckout,
  files: Files | Files[],
  o: PushOptions = {}
): PrHeadUpdate {
  const seed = seedOf(c)
  const before = originRef(c, `refs/heads/${c.headRef}`)
  const base = originRef(c, `refs/heads/${c.baseRef}`)
  runGit(seed, ['fetch', '-q', 'origin'])
  runGit(seed, ['checkout', '-q', '--force', '-B', c.headRef, o.force ? base : before])
  const message = o.message ?? (o.force ? 'feature change, rewritten' : 'feature follow-up')
  const commits = Array.isArray(files) ? files : [files]
  let headSha = before
  for (const [i, f] of commits.entries())
    headSha = commitAll(seed, f, commits.length > 1 ? `${message} ${i + 1}` : message)
  const mergeSha = testMerge(seed, base, headSha)
  const n = c.prNumber
  runGit(seed, [
    'push',
    '-q',
    'origin',
    `+${headSha}:refs/heads/${c.headRef}`,
    `+${headSha}:refs/pull/${n}/head`,
    `+${mergeSha}:refs/pull/${n}/merge`
  ])
  const workspace = prWorkspace(c, mergeSha, { shallow: o.shallow })
  return { before, headSha, mergeSha, forced: !!o.force, workspace }
}

/** A fresh empty directory beside the fixture's workspace: every run gets a new one. */
const freshWorkspace = (c: PullRequestCheckout, kind: string): string =>
  mkdtempSync(join(c.root, `workspace-${kind}-`))

/** actions/checkout@v4 for a `pull_request` run: the test merge commit, detached, depth 1 by default. */
export function prWorkspace(
  c: PullRequestCheckout,
  mergeSha: string,
  o: CheckoutOptions = {}
): string {
  const ws = freshWorkspace(c, `pr${c.prNumber}`)
  checkoutMerge(ws, c.originDir, c.prNumber, mergeSha, o)
  return ws
}

/**
 * actions/checkout@v4 for a run on a branch (an `issue_comment` runs on the default branch):
 * `sha` at depth 1, on `branch`. Unlike events.ts's makeBranchCheckout, it may be called again
 * for the same commit: every call is a new workspace, as every run gets one.
 */
function branchWorkspace(c: PullRequestCheckout, sha: string, branch = 'main'): string {
  const ws = freshWorkspace(c, branch.replace(/\W/g, '-'))
  checkoutBranch(ws, c.originDir, sha, branch)
  return ws
}

// ---------------------------------------------------------------------------------------------
// Scenario: the next run's event

/** The next run: its event and workspace, ready for `s.run(inputs, next.extra)`. */
export interface NextRun {
  eventName: string
  payload: Record<string, unknown>
  /** What `PrScenario.run` / `start` take as `extra`: event, payload, workspace, env. */
  extra: Partial<RunActionOptions>
  /** Runs the action on it; `more.env` adds to this run's environment. */
  run(inputs?: Record<string, string>, more?: Partial<RunActionOptions>): Promise<ActionResult>
}

export interface PrPush extends PrHeadUpdate, NextRun {}

function nextRun(
  s: PrScenario,
  eventName: string,
  payload: Record<string, unknown>,
  workspace: string,
  runEnv: Record<string, string>
): NextRun {
  const env = { ...s.options().env, ...runEnv }
  const extra: Partial<RunActionOptions> = { eventName, payload, workspace, env }
  return {
    eventName,
    payload,
    extra,
    run: (inputs, more = {}) => s.run(inputs, { ...extra, ...more, env: { ...env, ...more.env } })
  }
}

type PullShape = { head: { sha: string }; merge_commit_sha?: string }

/**
 * Someone pushes onto the scenario's PR (see {@link pushPrHead}): GitHub's `pull_request`
 * `synchronize` payload for it (the scenario's payload with the new head, `before` and `after`),
 * the emulator's PR head moved along, and the next run's workspace and GITHUB_SHA.
 */
export function pushToPr(s: PrScenario, files: Files, o: PushOptions = {}): PrPush {
  const update = pushPrHead(s.checkout, files, o)
  const pull = s.github.pulls.get(s.checkout.prNumber)
  if (pull) pull.head = { ...pull.head, sha: update.headSha }
  const payload = structuredClone(s.payload)
  const pr = payload.pull_request as PullShape
  pr.head.sha = update.headSha
  pr.merge_commit_sha = update.mergeSha
  Object.assign(payload, { action: 'synchronize', before: update.before, after: update.headSha })
  const env = { GITHUB_SHA: update.mergeSha }
  return { ...update, ...nextRun(s, 'pull_request', payload, update.workspace, env) }
}

export interface CommentOn {
  /** Who comments (default alice, a writer in every scenario). */
  login?: string
  type?: 'User' | 'Bot'
  /**
   * The GitHub App that wrote it (`performed_via_github_app`): by default a Bot login's own App,
   * as the emulator's API shows it, and none for a User; `null` for none.
   */
  app?: string | null
  /**
   * What the run checks out: `default-branch` (default) is what actions/checkout does on
   * `issue_comment`; `merge` checks out the PR's current test merge, as a workflow that asks for
   * `refs/pull/N/merge` does.
   */
  checkout?: 'default-branch' | 'merge'
}

export interface PrComment extends NextRun {
  commentId: number
}

/**
 * Someone comments on the scenario's PR: the comment exists on the GitHub emulator (so reactions
 * land on it), the `issue_comment` payload names it, and the run is on the default branch (or
 * the PR's current merge, see {@link CommentOn.checkout}).
 */
export function commentOnPr(s: PrScenario, body: string, o: CommentOn = {}): PrComment {
  const c = s.checkout
  const login = o.login ?? 'alice'
  const type = o.type ?? 'User'
  const stored = s.github.addComment({ issue: c.prNumber, body, login, type, app: o.app })
  const payload = issueCommentPayload(
    { number: c.prNumber, isPull: true },
    { body, commenter: login, id: stored.id }
  )
  const comment = payload.comment as Record<string, unknown>
  comment.performed_via_github_app = stored.app ? { slug: stored.app } : null
  const author = (s.payload.pull_request as { user?: unknown } | undefined)?.user
  const issue = payload.issue as Record<string, unknown>
  if (author !== undefined) issue.user = author
  if (type === 'Bot') {
    ;(comment.user as { type: string }).type = 'Bot'
    ;(payload.sender as { type: string }).type = 'Bot'
  }
  const main = originRef(c, `refs/heads/${c.baseRef}`)
  const workspace =
    o.checkout === 'merge'
      ? prWorkspace(c, prRefs(c).mergeSha)
      : branchWorkspace(c, main, c.baseRef)
  // The runner's GITHUB_SHA for a comment is the default branch's tip, whatever is checked out.
  const env = { GITHUB_SHA: main, GITHUB_ACTOR: login, GITHUB_TRIGGERING_ACTOR: login }
  return { ...nextRun(s, 'issue_comment', payload, workspace, env), commentId: stored.id }
}
