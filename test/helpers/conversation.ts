/**
 * What the conversation e2e tests (test/e2e/conversation.test.ts) read and set up: the messages
 * the action sent to sessions, its sticky comments and what their hidden state remembers, a PR
 * made into one Devin's GitHub App opened, and a failed CI run of the PR's head.
 */
import type { JobFixture } from '../emulators/github-actions.ts'
import { failingLog, workflowRunEvent } from './ci-run.ts'
import type { ActionResult, RunActionOptions } from './run-action.ts'
import { PR, everything, type PrScenario } from './scenario.ts'

export { SLUG } from './events.ts'
export { PR }
/** The login of Devin's GitHub App, the only PR author whose session link is followed. */
export const DEVIN_APP = 'devin-ai-integration[bot]'
const CREATE = /^\/v3\/organizations\/[^/]+\/sessions$/
const MESSAGES = /^\/v3\/organizations\/[^/]+\/sessions\/[^/]+\/messages$/

// ---------------------------------------------------------------------------------------------
// What reached Devin

export interface SentMessage {
  /** The path's session id. */
  sessionId: string
  message: string
  attachment_urls?: string[] | null
}

/** Every message the action sent to a session, oldest first (from request `from` on). */
export function messages(sc: PrScenario, from = 0): SentMessage[] {
  return sc.devin.requests
    .slice(from)
    .filter((q) => q.method === 'POST' && MESSAGES.test(q.path))
    .map((q) => ({
      sessionId: q.path.split('/')[5] ?? '',
      ...(q.json as { message: string; attachment_urls?: string[] | null })
    }))
}

export const creates = (sc: PrScenario, from = 0) =>
  sc.devin.requests.slice(from).filter((q) => q.method === 'POST' && CREATE.test(q.path))

/** Every request that could change something in Devin (all but reads). */
export const devinWrites = (sc: PrScenario, from = 0) =>
  sc.devin.requests.slice(from).filter((q) => q.method !== 'GET')

/** The reads of one session by id. */
export const getsOf = (sc: PrScenario, id: string) =>
  sc.devin.requestsTo('GET', new RegExp(`/sessions/${id}$`))

// ---------------------------------------------------------------------------------------------
// What the PR shows

/** The action's sticky comments on the PR (the people's comments left out). */
export const actionComments = (sc: PrScenario) =>
  sc.github.liveComments(PR).filter((c) => c.body.startsWith('<!-- devin-handoff:'))

export const commentOf = (sc: PrScenario, key: string) =>
  actionComments(sc).find((c) => c.body.startsWith(`<!-- devin-handoff:${key} -->`))

/** What the sticky comment's hidden state line says `key` last handed off (`{}`: nothing). */
export function handedOff(
  sc: PrScenario,
  key = 'default'
): { sessionId?: string; headSha?: string } {
  const body = commentOf(sc, key)?.body ?? ''
  const line = /<!-- devin-handoff-state:([A-Za-z0-9_-]+) -->/.exec(body)?.[1]
  if (line === undefined) return {}
  const state = JSON.parse(Buffer.from(line, 'base64url').toString('utf8')) as {
    report?: { handedOff?: { sessionId?: string; headSha?: string } }
  }
  return state.report?.handedOff ?? {}
}

/**
 * Every byte the action wrote or sent: {@link everything} without the comments people wrote,
 * which hold what they planted.
 */
export function actionSent(sc: PrScenario, results: ActionResult[]): string {
  const own = new Set(actionComments(sc).map((c) => c.body))
  let all = everything(sc, results)
  for (const c of sc.github.comments) if (!own.has(c.body)) all = all.split(c.body).join('')
  return all
}

// ---------------------------------------------------------------------------------------------
// Setting the scene

export interface DevinPrOptions {
  /** The PR's author: Devin's App by default; anyone else to see the link ignored. */
  author?: string
  /** The PR body around the session link. */
  body?: (link: string) => string
  /** The session the body links (Devin's own, live, in this organization by default). */
  seed?: (sc: PrScenario) => string
  /** Link the `devin-…` id; by default the bare id, as Devin's PR bodies do. */
  prefixed?: boolean
}

/**
 * Makes the scenario's PR one Devin's GitHub App opened: authored by the App (payload and API),
 * its body linking a session Devin started, pushed to by alice (the payload's sender). Returns
 * the linked session's id.
 */
export function asDevinPr(sc: PrScenario, o: DevinPrOptions = {}): string {
  const author = o.author ?? DEVIN_APP
  const own = (o.seed ?? ((x) => x.devin.seedOwnSession()))(sc)
  const link = `https://app.devin.ai/sessions/${o.prefixed ? own : own.slice('devin-'.length)}`
  const write = o.body ?? ((l) => `Adds \`mul\`.\n\nLink to Devin run: ${l}\nRequested by: alice`)
  const body = write(link)
  const type = author.endsWith('[bot]') ? ('Bot' as const) : ('User' as const)
  const user = { login: author, type }
  Object.assign(sc.payload.pull_request as object, { body, user })
  Object.assign(sc.payload, { sender: { login: 'alice', type: 'User' } })
  const pull = sc.github.pulls.get(PR)
  if (pull) Object.assign(pull, { body, user })
  return own
}

/** One failed job whose log printed `secret` on its way down. */
const failingJobs = (secret: string): JobFixture[] => [
  {
    name: 'unit tests',
    conclusion: 'failure',
    steps: [{ name: 'Run vitest', conclusion: 'failure' }],
    log: failingLog([`debug: GH_TOKEN=${secret}`, 'FAIL test/math.test.ts > mul multiplies'])
  }
]

/**
 * A failed `CI` run `id` on the PR's head (added to the GitHub emulator), and the `workflow_run`
 * run of the action on it: `workspace` is the empty folder such a workflow has.
 */
export function ciFailure(
  sc: PrScenario,
  id: number,
  o: { workspace: string; secret: string }
): Partial<RunActionOptions> {
  const jobs = failingJobs(o.secret)
  sc.github.actions.addRun({
    id,
    name: 'CI',
    headSha: sc.checkout.headSha,
    headBranch: 'feature',
    jobs
  })
  return { ...workflowRunEvent(sc.checkout, { id }), workspace: o.workspace }
}
