/**
 * One end-to-end scenario: both emulators, a real PR checkout laid out like actions/checkout,
 * the matching `pull_request` payload, and a `run` that executes the built action against them.
 */
import {
  startDevinEmulator,
  type DevinEmulator,
  type DevinEmulatorOptions
} from '../emulators/devin.ts'
import {
  startGitHubEmulator,
  type GitHubEmulator,
  type GitHubEmulatorOptions
} from '../emulators/github.ts'
import { makePullRequestCheckout, type Files, type PullRequestCheckout } from './checkout.ts'
import {
  runAction,
  startAction,
  type ActionResult,
  type RunActionOptions,
  type StartedAction
} from './run-action.ts'

export const OWNER = 'acme'
export const REPO = 'widgets'
/** The scenario's PR unless a test names another. */
export const PR = 7
/** As the action tags a session of the scenario's PR: its exact PR tag, which reuse and budgets list by. */
export const PR_TAG = `gh:${OWNER}/${REPO}#${PR}`
/** The thread tag of the default comment key. */
export const THREAD_TAG = `${PR_TAG}:default`
export const API_KEY = 'cog_e2e_SECRET_key_0123456789abcdef'
export const GITHUB_TOKEN = 'ghs_e2eTokenValue0123456789ABCDEFGHIJ'

export interface PrScenarioOptions {
  base?: Files
  head?: Files
  prNumber?: number
  title?: string
  body?: string
  author?: string
  actor?: string
  headRepo?: string
  devin?: DevinEmulatorOptions
  github?: Partial<GitHubEmulatorOptions>
  checkout?: Partial<Parameters<typeof makePullRequestCheckout>[0]>
  /** The web host (`GITHUB_SERVER_URL`, the payload's links); default https://github.com. */
  serverUrl?: string
}

export interface PrScenario {
  devin: DevinEmulator
  github: GitHubEmulator
  checkout: PullRequestCheckout
  payload: Record<string, unknown>
  eventName: string
  options(inputs?: Record<string, string>, extra?: Partial<RunActionOptions>): RunActionOptions
  run(inputs?: Record<string, string>, extra?: Partial<RunActionOptions>): Promise<ActionResult>
  start(inputs?: Record<string, string>, extra?: Partial<RunActionOptions>): StartedAction
  close(): Promise<void>
}

export const DEFAULT_BASE: Files = {
  'README.md': '# Widgets\n',
  'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b\n}\n'
}
export const DEFAULT_HEAD: Files = {
  'src/math.ts':
    'export function add(a: number, b: number): number {\n  return a + b\n}\n\nexport function mul(a: number, b: number): number {\n  return a * b\n}\n'
}

export function pullPayload(
  c: PullRequestCheckout,
  o: {
    title: string
    body: string
    author: string
    headRepo: string
    action?: string
    serverUrl?: string
  }
): Record<string, unknown> {
  const slug = `${OWNER}/${REPO}`
  const server = o.serverUrl ?? 'https://github.com'
  return {
    action: o.action ?? 'synchronize',
    number: c.prNumber,
    pull_request: {
      number: c.prNumber,
      html_url: `${server}/${slug}/pull/${c.prNumber}`,
      title: o.title,
      body: o.body,
      draft: false,
      state: 'open',
      user: { login: o.author, type: 'User' },
      head: {
        ref: c.headRef,
        sha: c.headSha,
        repo: { full_name: o.headRepo, fork: o.headRepo !== slug }
      },
      base: { ref: c.baseRef, sha: c.baseSha, repo: { full_name: slug } }
    },
    repository: { full_name: slug, default_branch: 'main', private: false },
    sender: { login: o.author, type: 'User' }
  }
}

export async function prScenario(o: PrScenarioOptions = {}): Promise<PrScenario> {
  const prNumber = o.prNumber ?? PR
  const checkout = makePullRequestCheckout({
    base: o.base ?? DEFAULT_BASE,
    head: o.head ?? DEFAULT_HEAD,
    prNumber,
    ...o.checkout
  })
  const author = o.author ?? 'alice'
  const actor = o.actor ?? author
  const title = o.title ?? 'Add multiplication'
  const body = o.body ?? 'Adds `mul` next to `add`.'
  const headRepo = o.headRepo ?? `${OWNER}/${REPO}`
  const serverUrl = o.serverUrl
  const payload = pullPayload(checkout, { title, body, author, headRepo, serverUrl })
  const devin = await startDevinEmulator({ apiKey: API_KEY, ...o.devin })
  const github = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    tokens: { [GITHUB_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', installation: true } },
    permissions: { [actor]: 'write', [author]: 'write' },
    pulls: [
      {
        number: prNumber,
        title,
        body,
        user: { login: author, type: 'User' },
        head: { ref: checkout.headRef, sha: checkout.headSha, repo: headRepo },
        base: { ref: checkout.baseRef, sha: checkout.baseSha }
      }
    ],
    ...(serverUrl ? { serverUrl } : {}),
    ...o.github
  })
  const eventName = 'pull_request'
  const options = (
    inputs: Record<string, string> = {},
    extra: Partial<RunActionOptions> = {}
  ): RunActionOptions => ({
    inputs: {
      'api-key': API_KEY,
      'api-url': devin.url,
      'org-id': devin.orgId,
      prompt: 'Review this pull request and fix what is broken.',
      ...inputs
    },
    eventName,
    payload,
    workspace: checkout.workspace,
    githubUrl: github.url,
    repository: `${OWNER}/${REPO}`,
    githubToken: GITHUB_TOKEN,
    env: {
      GITHUB_ACTOR: actor,
      GITHUB_TRIGGERING_ACTOR: actor,
      GITHUB_SHA: checkout.mergeSha,
      ...(serverUrl ? { GITHUB_SERVER_URL: serverUrl } : {})
    },
    ...extra
  })
  return {
    devin,
    github,
    checkout,
    payload,
    eventName,
    options,
    run: (inputs, extra) => runAction(options(inputs, extra)),
    start: (inputs, extra) => startAction(options(inputs, extra)),
    /**
     * Closes both emulators and removes the checkout, then fails if either emulator saw a
     * request or gave an answer off what its service documents (see emulators/conformance.ts).
     */
    async close() {
      const closed = await Promise.allSettled([devin.close(), github.close()])
      checkout.cleanup()
      const failed = closed.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))
      if (failed.length === 1) throw failed[0]
      if (failed.length > 1)
        throw new AggregateError(failed, failed.map((e) => e.message).join('\n'))
    }
  }
}

/** Every byte the action wrote or sent, for secret hygiene checks. */
export function everything(s: PrScenario, results: ActionResult[]): string {
  const parts: string[] = []
  // `::add-mask::` is how the action hands a secret to the runner; the runner never prints it.
  const unmasked = (out: string): string =>
    out
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
  for (const r of results)
    parts.push(
      unmasked(r.stdout),
      r.stderr,
      r.summary,
      JSON.stringify(r.outputs),
      JSON.stringify(r.state)
    )
  for (const c of s.github.comments) parts.push(c.body)
  for (const q of [...s.devin.requests, ...s.github.requests]) parts.push(q.body)
  return parts.join('\n')
}
