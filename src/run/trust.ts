/**
 * Who may spend the organization's ACUs. Each refusal is a skip (exit 0, a notice), never a red
 * check: Dependabot and fork PRs must not fail the build just because they may not hand off.
 */
import type { RunContext } from './context.js'
import type { Log } from '../hygiene/log.js'
import { requireApiKey, type Inputs, type Permission } from './inputs.js'
import type { Target } from './target.js'
import { permissionAtLeast } from '../github/types.js'

export interface Actor {
  login: string
  isBot: boolean
  /** Why this actor is checked, for the skip message. */
  role: string
}

export function isBotLogin(login: string, type?: string): boolean {
  return type === 'Bot' || /\[bot\]$/i.test(login)
}

/**
 * Events no one triggers: the repository runs them. A `schedule` run's actor is whoever last
 * edited the cron line, who may have left since or be a bot; what runs is the default branch's
 * workflow, which only people with write access can change. Every other event is someone's act
 * and stays checked: `workflow_dispatch` (who pressed the button), `repository_dispatch` (whose
 * token sent it), `workflow_run` (who started the run it follows, a fork's author included).
 */
const REPOSITORY_EVENTS = new Set(['schedule'])

/** The people whose permission decides: who triggered the run, and who wrote a triggering comment. */
export function actorsOf(ctx: RunContext): Actor[] {
  if (REPOSITORY_EVENTS.has(ctx.eventName)) return []
  const sender = ctx.payload.sender
  const login = ctx.triggeringActor || sender?.login || ''
  const actors: Actor[] = []
  if (login) {
    const type = sender?.login === login ? sender.type : undefined
    actors.push({ login, isBot: isBotLogin(login, type), role: 'triggering actor' })
  }
  const author = ctx.payload.comment?.user
  if (author?.login && author.login !== login) {
    actors.push({
      login: author.login,
      isBot: isBotLogin(author.login, author.type),
      role: 'comment author'
    })
  }
  return actors
}

export function botAllowed(login: string, allowed: string[]): boolean {
  if (allowed.includes('*')) return true
  const bare = login.toLowerCase().replace(/\[bot\]$/, '')
  return allowed.some((a) => a.toLowerCase().replace(/\[bot\]$/, '') === bare)
}

/**
 * Devin's GitHub Apps (the bot accounts, and the Apps' slugs): what they write is Devin talking
 * back, never a request to Devin.
 */
export const DEVIN_BOTS = ['devin-ai-integration[bot]', 'devin-ai[bot]']
const DEVIN_APPS = DEVIN_BOTS.map((b) => b.replace(/\[bot\]$/, ''))

/** What every comment the action writes carries: the sticky marker, and the hidden state line. */
const OWN_MARK = '<!-- devin-handoff'

/** The workflow file a `GITHUB_WORKFLOW_REF` names: `owner/repo/<path>@ref` → `<path>`. */
export function workflowPathOf(ref: string): string | undefined {
  const m = /^[^/]+\/[^/]+\/(.+?)@[^@]*$/.exec(ref)
  return m?.[1]
}

function workflowRunPath(payload: RunContext['payload']): string | undefined {
  const run = payload.workflow_run
  if (typeof run !== 'object' || run === null) return undefined
  const path = (run as { path?: unknown }).path
  return typeof path === 'string' && path !== '' ? path : undefined
}

/**
 * The loop breakers, before anything else and whatever `allowed-bots` says (`*` included): the
 * action never hands off a comment it wrote itself or Devin wrote, nor a `workflow_run` of its own
 * workflow. Each would let one handoff start the next, all night. No API call: a loop must cost
 * nothing, and a skip here writes no comment (which could itself be the next trigger).
 */
export function loopSkipReason(ctx: RunContext): string | undefined {
  const comment = ctx.payload.comment
  if (comment) {
    const login = comment.user?.login ?? ''
    const app = comment.performed_via_github_app?.slug?.toLowerCase() ?? ''
    if ((comment.body ?? '').includes(OWN_MARK))
      return "loop: the comment carries Devin Handoff's own marker; the action never hands off its own comments"
    if (DEVIN_BOTS.includes(login.toLowerCase()) || DEVIN_APPS.includes(app))
      return `loop: the comment is by Devin's GitHub App (${login || app}); Devin's own comments never start a handoff, whatever 'allowed-bots' says`
    if (app === 'github-actions' || login.toLowerCase() === 'github-actions[bot]')
      return `loop: the comment is by ${login || 'github-actions[bot]'}, the bot this action writes as; the action never hands off its own comments`
  }
  if (ctx.eventName === 'workflow_run') {
    const triggering = workflowRunPath(ctx.payload)
    const own = workflowPathOf(ctx.workflowRef ?? '')
    if (triggering !== undefined && triggering === own)
      return `loop: the workflow run that triggered this one is this workflow (${own}); a handoff never follows its own runs`
  }
  return undefined
}

/** The README section (its anchor) that says how to hand off fork PRs safely. */
export const FORK_RECIPE =
  "the README section 'Pull requests from forks' (#pull-requests-from-forks-pull_request_target)"

/**
 * Why a fork PR was skipped and the whole way to hand it off: under `pull_request` the fork gets
 * no secrets, so `allow-forks: true` alone would only trade the skip for a missing-key failure.
 */
export function forkSkipReason(
  eventName: string,
  pr: { number: number; headRepo: string }
): string {
  const from = `fork: pull request #${pr.number} comes from ${pr.headRepo || 'a deleted fork'}`
  if (eventName === 'pull_request')
    return `${from}. Fork PRs get no secrets under 'pull_request': to hand them off, run on 'pull_request_target' and set 'allow-forks: true', as ${FORK_RECIPE} shows`
  return `${from} (set 'allow-forks: true' to hand off fork PRs; see ${FORK_RECIPE})`
}

/** Why the key may be empty on a run that was let through: GitHub withholds secrets there. */
function missingKeyHint(ctx: RunContext, target: Target, actors: Actor[]): string {
  if (target.pr?.isFork && ctx.eventName === 'pull_request') {
    return `. Fork PRs get no secrets under 'pull_request': hand off from 'pull_request_target' instead, as ${FORK_RECIPE} shows`
  }
  if (actors.some((a) => /^dependabot(\[bot\])?$/i.test(a.login))) {
    return '. Dependabot runs see only Dependabot secrets: add the key there too'
  }
  return ''
}

/**
 * The checks that need no API call. Returns a skip reason, or undefined to go on; a run that goes
 * on without an API key fails here (fork and Dependabot runs have none, so skips decide first),
 * unless it is a dry run.
 */
export function staticSkipReason(
  ctx: RunContext,
  target: Target,
  inputs: Inputs,
  hasKey: boolean,
  log: Pick<Log, 'warning'>
): string | undefined {
  if (target.pr?.isFork && !inputs.allowForks) return forkSkipReason(ctx.eventName, target.pr)
  const actors = actorsOf(ctx)
  for (const actor of actors) {
    if (actor.isBot && !botAllowed(actor.login, inputs.allowedBots)) {
      return `bot: ${actor.login} (${actor.role}) is a bot not listed in 'allowed-bots'`
    }
  }
  if (inputs.allowedBots.includes('*')) {
    log.warning(
      "'allowed-bots' is '*': any bot (every GitHub App installed on the repository) can start a paid Devin session; list the bots by login instead"
    )
  }
  // A dry run sends nothing, so it needs no key.
  if (!inputs.dryRun) requireApiKey(hasKey, missingKeyHint(ctx, target, actors))
  return undefined
}

/** Permission check through the collaborator API; bots on the allow-list skip it (they are not collaborators). */
export async function permissionSkipReason(
  ctx: RunContext,
  need: Permission,
  permissionOf: (login: string) => Promise<Permission>
): Promise<string | undefined> {
  if (need === 'none') return undefined
  for (const actor of actorsOf(ctx)) {
    if (actor.isBot) continue
    const have = await permissionOf(actor.login)
    if (!permissionAtLeast(have, need)) {
      return `permission: ${actor.login} (${actor.role}) has '${have}' on ${ctx.owner}/${ctx.repo}, '${need}' is required`
    }
  }
  return undefined
}

/** {@link permissionSkipReason}, asked through the run's GitHub client. */
export function permissionRefusal(
  ctx: RunContext,
  need: Permission,
  github: () => Promise<{ permissionOf(login: string): Promise<Permission> }>
): Promise<string | undefined> {
  return permissionSkipReason(ctx, need, async (login) => (await github()).permissionOf(login))
}
