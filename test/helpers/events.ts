/**
 * Event payloads as GitHub sends them for every trigger the action supports, a default-branch
 * checkout (what actions/checkout makes for events that are not about a PR merge ref), and a
 * scenario that runs the built action for any event against both emulators.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startDevinEmulator, type DevinEmulator } from '../emulators/devin.ts'
import {
  startGitHubEmulator,
  type FileFixture,
  type GitHubEmulator,
  type IssueFixture,
  type PullFixture
} from '../emulators/github.ts'
import { checkoutBranch, type PullRequestCheckout, type PushCheckout } from './checkout.ts'
import { runAction, type ActionResult, type RunActionOptions } from './run-action.ts'
import { API_KEY, GITHUB_TOKEN, OWNER, REPO } from './scenario.ts'

export const SLUG = `${OWNER}/${REPO}`
export const repository = { full_name: SLUG, name: REPO, default_branch: 'main', private: false }
export const person = (login: string): { login: string; type: 'User' } => ({
  login,
  type: 'User'
})

// ---------------------------------------------------------------------------------------------
// Payloads

export interface PullOptions {
  title?: string
  body?: string
  author?: string
  headRepo?: string
}

/** The `pull_request` object of a webhook (also what `pulls/{n}` returns, in the fields read). */
export function pullObject(c: PullRequestCheckout, o: PullOptions = {}): Record<string, unknown> {
  const headRepo = o.headRepo ?? SLUG
  return {
    number: c.prNumber,
    html_url: `https://github.com/${SLUG}/pull/${c.prNumber}`,
    title: o.title ?? 'Add multiplication',
    body: o.body ?? 'Adds `mul` next to `add`.',
    draft: false,
    state: 'open',
    merge_commit_sha: c.mergeSha,
    user: person(o.author ?? 'alice'),
    head: {
      ref: c.headRef,
      sha: c.headSha,
      repo: { full_name: headRepo, fork: headRepo !== SLUG }
    },
    base: { ref: c.baseRef, sha: c.baseSha, repo: { full_name: SLUG } }
  }
}

/** `pull_request` and `pull_request_target` carry the same payload; only the runner env differs. */
export function pullRequestPayload(
  c: PullRequestCheckout,
  o: PullOptions & { action?: string } = {}
): Record<string, unknown> {
  return {
    action: o.action ?? 'synchronize',
    number: c.prNumber,
    pull_request: pullObject(c, o),
    repository,
    sender: person(o.author ?? 'alice')
  }
}

export interface CommentOptions {
  body: string
  commenter?: string
  id?: number
}

/** `issue_comment`: `issue.pull_request` is present only when the issue is a pull request. */
export function issueCommentPayload(
  issue: { number: number; isPull: boolean; title?: string },
  c: CommentOptions
): Record<string, unknown> {
  const commenter = c.commenter ?? 'alice'
  const pull = issue.isPull
    ? {
        pull_request: {
          url: `https://api.github.com/repos/${SLUG}/pulls/${issue.number}`,
          html_url: `https://github.com/${SLUG}/pull/${issue.number}`
        }
      }
    : {}
  return {
    action: 'created',
    issue: {
      number: issue.number,
      title: issue.title ?? `Issue ${issue.number}`,
      state: 'open',
      user: person('carol'),
      html_url: `https://github.com/${SLUG}/${issue.isPull ? 'pull' : 'issues'}/${issue.number}`,
      ...pull
    },
    comment: {
      id: c.id ?? 9001,
      body: c.body,
      user: person(commenter),
      html_url: `https://github.com/${SLUG}/issues/${issue.number}#issuecomment-${c.id ?? 9001}`
    },
    repository,
    sender: person(commenter)
  }
}

/** `pull_request_review_comment`: the full PR plus the review comment on a line of the diff. */
export function reviewCommentPayload(
  c: PullRequestCheckout,
  comment: CommentOptions & { path: string; line: number },
  o: PullOptions = {}
): Record<string, unknown> {
  const commenter = comment.commenter ?? 'alice'
  return {
    action: 'created',
    comment: {
      id: comment.id ?? 7001,
      body: comment.body,
      path: comment.path,
      line: comment.line,
      side: 'RIGHT',
      commit_id: c.headSha,
      user: person(commenter),
      html_url: `https://github.com/${SLUG}/pull/${c.prNumber}#discussion_r${comment.id ?? 7001}`
    },
    pull_request: pullObject(c, o),
    repository,
    sender: person(commenter)
  }
}

/** `push`, with `created`/`forced` derived from the fixture the way GitHub sets them. */
export function pushPayload(
  p: PushCheckout,
  o: { created?: boolean; forced?: boolean; deleted?: boolean; pusher?: string } = {}
): Record<string, unknown> {
  const pusher = o.pusher ?? 'alice'
  return {
    ref: `refs/heads/${p.branch}`,
    before: p.before,
    after: o.deleted ? '0'.repeat(40) : p.after,
    created: o.created ?? /^0+$/.test(p.before),
    deleted: o.deleted ?? false,
    forced: o.forced ?? false,
    base_ref: null,
    compare: `https://github.com/${SLUG}/compare/${p.before.slice(0, 12)}...${p.after.slice(0, 12)}`,
    commits: [],
    head_commit: o.deleted ? null : { id: p.after, message: 'push' },
    pusher: { name: pusher, email: `${pusher}@example.com` },
    repository,
    sender: person(pusher)
  }
}

/** `schedule` payloads hold only the cron line; everything else comes from GITHUB_* variables. */
export function schedulePayload(cron = '17 3 * * *'): Record<string, unknown> {
  return { schedule: cron }
}

export function dispatchPayload(
  inputs: Record<string, string> = {},
  ref = 'refs/heads/main'
): Record<string, unknown> {
  return {
    inputs,
    ref,
    repository,
    sender: person('alice'),
    workflow: '.github/workflows/devin.yml'
  }
}

export function releasePayload(): Record<string, unknown> {
  return {
    action: 'published',
    release: { tag_name: 'v1.2.0', name: 'v1.2.0', draft: false, prerelease: false },
    repository,
    sender: person('alice')
  }
}

/** The emulator's record of the PR in `c` (what `GET /pulls/{n}` serves). */
export function pullFixture(
  c: PullRequestCheckout,
  o: PullOptions & { files?: FileFixture[] } = {}
): PullFixture {
  return {
    number: c.prNumber,
    title: o.title ?? 'Add multiplication',
    body: o.body ?? 'Adds `mul` next to `add`.',
    user: person(o.author ?? 'alice'),
    head: { ref: c.headRef, sha: c.headSha, repo: o.headRepo ?? SLUG },
    base: { ref: c.baseRef, sha: c.baseSha },
    ...(o.files ? { files: o.files } : {})
  }
}

// ---------------------------------------------------------------------------------------------
// A CI run

/**
 * A second workspace next to a fixture's, checked out the way actions/checkout does for events
 * that run on a branch (issue_comment, pull_request_target, schedule, workflow_dispatch): depth 1
 * at `sha`, on `branch`. Nothing of a PR head is in it.
 */
export function makeBranchCheckout(
  fx: { root: string; originDir: string },
  sha: string,
  branch = 'main'
): string {
  const ws = join(fx.root, `workspace-${branch.replace(/\W/g, '-')}-${sha.slice(0, 7)}`)
  mkdirSync(ws)
  checkoutBranch(ws, fx.originDir, sha, branch)
  return ws
}

// ---------------------------------------------------------------------------------------------
// Scenario

export interface EventScenarioOptions {
  eventName: string
  payload: Record<string, unknown>
  workspace: string
  /** GITHUB_SHA, GITHUB_REF… where the runner's value is not what run-action derives. */
  env?: Record<string, string>
  pulls?: PullFixture[]
  issues?: IssueFixture[]
  /** Collaborators with write access (default alice). */
  writers?: string[]
}

export interface EventScenario {
  devin: DevinEmulator
  github: GitHubEmulator
  options(inputs?: Record<string, string>): RunActionOptions
  run(inputs?: Record<string, string>): Promise<ActionResult>
  close(): Promise<void>
}

export async function eventScenario(o: EventScenarioOptions): Promise<EventScenario> {
  const devin = await startDevinEmulator({ apiKey: API_KEY })
  const writers = o.writers ?? ['alice']
  const github = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    tokens: { [GITHUB_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', installation: true } },
    permissions: Object.fromEntries(writers.map((w) => [w, 'write' as const])),
    pulls: o.pulls ?? [],
    issues: o.issues ?? []
  })
  const options = (inputs: Record<string, string> = {}): RunActionOptions => ({
    inputs: {
      'api-key': API_KEY,
      'api-url': devin.url,
      'org-id': devin.orgId,
      prompt: 'Review this change and fix what is broken.',
      ...inputs
    },
    eventName: o.eventName,
    payload: o.payload,
    workspace: o.workspace,
    githubUrl: github.url,
    repository: SLUG,
    githubToken: GITHUB_TOKEN,
    env: o.env
  })
  return {
    devin,
    github,
    options,
    run: (inputs) => runAction(options(inputs)),
    close: async () => {
      await Promise.all([devin.close(), github.close()])
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading what Devin received

/** The prompts of every create-session request, in order. */
export function sentPrompts(devin: DevinEmulator): string[] {
  return devin.requestsTo('POST', /\/sessions$/).map((q) => {
    const prompt = (q.json as { prompt?: unknown } | undefined)?.prompt
    if (typeof prompt !== 'string') throw new Error('a create request has no prompt')
    return prompt
  })
}

/** The prompt of the one create-session request (fails the test if there is not exactly one). */
export function sentPrompt(devin: DevinEmulator): string {
  const prompts = sentPrompts(devin)
  if (prompts.length !== 1) throw new Error(`expected 1 create request, got ${prompts.length}`)
  return prompts[0] ?? ''
}

export interface PromptContext {
  event?: string
  pr?: number
  head?: string
  headSha?: string
  branch?: string
  branchSha?: string
  base?: string
  baseSha?: string
  source?: string
  sourceNote?: string
}

/** The facts of the prompt's `## Context` block and its source lines, parsed back. */
export function promptContext(prompt: string): PromptContext {
  const m = (re: RegExp): RegExpExecArray | null => re.exec(prompt)
  const event = m(/^- Event: `([^`]*)`$/m)
  const pr = m(/^- Pull request: #(\d+) /m)
  const head = m(/^- Head: `([^`]*)` at `([0-9a-f]*)`/m)
  const branch = m(/^- Branch: `([^`]*)` at (?:`([0-9a-f]*)`|\(none\))/m)
  const base = m(/^- Base: `([^`]*)` at (?:`([0-9a-f]*)`|\(none\))/m)
  const source = m(/^## Changed files \(([^)]*)\)$/m)
  const note = m(/^Source of the change: (.*)$/m)
  return {
    event: event?.[1],
    pr: pr ? Number(pr[1]) : undefined,
    head: head?.[1],
    headSha: head?.[2],
    branch: branch?.[1],
    branchSha: branch?.[2],
    base: base?.[1],
    baseSha: base?.[2],
    source: source?.[1],
    sourceNote: note?.[1]
  }
}

/** The fenced committed-change file list (one line per file) of a prompt. */
export function fileListOf(
  prompt: string,
  section: 'commits' | 'uncommitted' = 'commits'
): string[] {
  const re = new RegExp(
    `<untrusted_${section}_files>\\n\`{3,}text\\n([^]*?)\\n\`{3,}\\n</untrusted_${section}_files>`
  )
  const body = re.exec(prompt)?.[1]
  return body === undefined ? [] : body.split('\n')
}

/** The fenced hunks of a prompt (committed change, or uncommitted work). */
export function hunksOf(prompt: string, section: 'commits' | 'uncommitted' = 'commits'): string {
  const tag = section === 'commits' ? 'untrusted_diff' : 'untrusted_uncommitted_diff'
  const re = new RegExp(`<${tag}>\\n(\`{3,})diff\\n([^]*?)\\n\\1\\n</${tag}>`)
  return re.exec(prompt)?.[2] ?? ''
}

/** Every byte the action wrote or sent in an event scenario, for secret hygiene checks. */
export function everythingSent(s: EventScenario, results: ActionResult[]): string {
  const parts: string[] = []
  for (const r of results) {
    const stdout = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    parts.push(stdout, r.stderr, r.summary, JSON.stringify(r.outputs))
  }
  for (const c of s.github.comments) parts.push(c.body)
  for (const q of [...s.devin.requests, ...s.github.requests]) parts.push(q.body)
  return parts.join('\n')
}
