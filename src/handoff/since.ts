/**
 * The incremental handoff: the commits pushed since the last handoff to a session, packed like
 * the whole change (same budget, excludes, secret screen, and the uncommitted work the whole
 * change read), or, when that head is no longer in the branch's history or cannot be read, why
 * the whole change goes again. Runs after the whole change's git work: two fetches at once in one
 * repository fight over `.git/shallow`.
 */
import { errorText } from '../hygiene/scrub.js'
import type { HandedOff, HandoffSummary } from '../state/report.js'
import { assemble, newCtx, type PackRun } from './pack.js'
import type { FileState, PackOptions, PackedChange } from './pack-types.js'
import { buildPrompt, type PromptInput } from './prompt.js'
import {
  deepenUntil,
  fetchCommits,
  gitReason,
  isSha,
  mergeBase,
  readCommits,
  searched,
  short,
  type Commit,
  type Commits
} from './range.js'
import { screen } from './redact.js'
import { sanitizeUntrusted } from './sanitize.js'
import { gitSection } from './sources.js'

export interface SinceLast {
  /** The session that had the last handoff: only a follow-up to it may send `prompt`. */
  sessionId: string
  /** Its head then (40 hex). */
  from: string
  /** true: `prompt` holds only the commits since `from`; false: the whole change, with `why`. */
  incremental: boolean
  why?: string
  /** The prompt to send as the follow-up (before session/request.ts's followUpMessage wrap). */
  prompt: string
  bytes: number
  /** What the report shows for this prompt (`since` set when incremental). */
  summary: HandoffSummary
}

/** The change since `from` (`to` is the PR head), or why it is the whole change again. */
export type Increment =
  | { incremental: true; from: string; to: string; change: PackedChange }
  | { incremental: false; why: string }

const again = (why: string): Increment => ({
  incremental: false,
  why: `${why}, so this is the whole change again`
})

/**
 * Where the last handoff's head stands: `true` when it is an ancestor of the head, else why not.
 * Fetches what is missing from origin by id (objects only) and, in a shallow checkout, deepens it
 * until the two histories meet.
 */
async function ancestry(
  top: string,
  shallow: boolean,
  known: Commits,
  from: string,
  to: string,
  log: (m: string) => void
): Promise<true | string> {
  const commits: Commits = new Map(known)
  const headSha = commits.get('HEAD')?.sha
  const get = (sha: string): Commit | undefined =>
    sha === headSha ? commits.get('HEAD') : commits.get(sha)
  const add = (found: Commits): void => found.forEach((c, sha) => commits.set(sha, c))
  // A fetch at depth 1 cuts the history of a commit that is already here down to that commit, so
  // only what is missing is fetched. A shallow checkout without the head (actions/checkout's
  // depth-1 merge commit) has none of the branch's history: the last head is fetched unasked.
  if (!shallow || get(to) !== undefined)
    add(await readCommits(top, get(to) === undefined ? [from, to] : [from]))
  const missing = [from, to].filter((sha) => get(sha) === undefined)
  if (missing.length > 0) {
    log(`Fetching ${missing.map(short).join(', ')} from origin`)
    const r = await fetchCommits(top, missing, shallow ? 1 : undefined)
    // A fetch that succeeded brought every id asked; a fetched head's parents are still unknown.
    if (r.code !== 0 || missing.includes(to)) add(await readCommits(top, missing))
    if (r.code !== 0 && get(from) === undefined)
      return `the last handoff's head ${short(from)} could not be fetched from origin (${gitReason(r)}; a force-push may have dropped it)`
    if (get(to) === undefined)
      return `the head ${short(to)} could not be fetched from origin (${gitReason(r)})`
  }
  // One new commit on top of the last one, the usual push: its parent says it all.
  if (get(to)?.parents.includes(from)) return true
  const tips = [from, to]
  const why = "to find the last handoff's head in the branch's history"
  const deep = await deepenUntil(top, { tips, shallow, why, log }, () => mergeBase(top, from, to))
  if ('error' in deep) return deep.error
  // The best common ancestor is `from` itself exactly when `from` is an ancestor of the head.
  if (deep.found === from) return true
  // Nothing in common in a shallow checkout may be a history cut too short: say how far it looked.
  const within = deep.found === undefined && shallow ? ` within ${searched(shallow)}` : ''
  return `the last handoff's head ${short(from)} is no longer in this branch's history${within} (force-push or rebase)`
}

/**
 * Packs the commits `handedOff..head` of a PR target after the whole change (`run`): the same
 * options, the uncommitted work as the whole change read it, each in the one budget.
 */
export async function packIncrement(
  run: PackRun,
  opts: PackOptions,
  handedOff: string
): Promise<Increment> {
  const ctx = newCtx(opts)
  const log = ctx.log
  // Both reach git as arguments: only full ids, nothing option-like.
  if (!isSha(handedOff)) return again("the last handoff's head is not a commit id")
  if (!isSha(opts.target.headSha)) return again("the pull request's head commit is not known")
  const from = handedOff.toLowerCase()
  const to = opts.target.headSha.toLowerCase()
  const uncommitted = run.uncommitted
  // A copy: the increment cuts it to its own budget, after its commits.
  const uncommittedStates: FileState[] = structuredClone(uncommitted?.states ?? [])
  const finish = async (commitStates: FileState[], note: string): Promise<Increment> => {
    const redactions = await screen(ctx, commitStates)
    const states = [...commitStates, ...uncommittedStates]
    const change: PackedChange = {
      source: states.length > 0 || 'top' in run.repo ? 'git' : 'none',
      sourceNote: [note, uncommitted?.note].filter(Boolean).join('; '),
      ...assemble(opts, states),
      redactions: [...redactions, ...(uncommitted?.redactions ?? [])]
    }
    return { incremental: true, from, to, change }
  }
  if (from === to) return finish([], `no new commits since the last handoff (${short(from)})`)
  if ('error' in run.repo)
    return again(`the last handoff's head ${short(from)} cannot be compared: ${run.repo.error}`)
  const top = run.repo.top
  const info = (m: string): void => log.info(m)
  const found = await ancestry(top, run.repo.shallow, run.commits, from, to, info)
  if (found !== true) return again(found)
  log.info(`Packing the commits since the last handoff: ${short(from)}..${short(to)}`)
  let states: FileState[]
  try {
    states = await gitSection(ctx, top, [from, to], 'commits')
  } catch (err) {
    return again(`the commits since ${short(from)} could not be read (${errorText(err)})`)
  }
  return finish(
    states,
    `git diff ${short(from)}..${short(to)}: the commits pushed since the last handoff (line numbers are those of the pull request's head)`
  )
}

/**
 * The follow-up for the session that had the last handoff: the increment's own prompt, with the
 * same task, PR and comment sections as the whole one, or the whole prompt with why first.
 */
export function sinceLastOf(o: {
  handedOff: HandedOff
  increment: Increment
  /** The whole prompt's input, without its change. */
  input: Omit<PromptInput, 'change' | 'since'>
  whole: { prompt: string; summary: HandoffSummary }
  /** Redactions outside the change (task and PR text, CI logs): the increment sends them too. */
  otherRedactions: number
}): SinceLast {
  const { handedOff, increment } = o
  const base = { sessionId: handedOff.sessionId, from: handedOff.headSha }
  if (!increment.incremental) {
    const line = `Since the last handoff: ${sanitizeUntrusted(increment.why, 'code')}.`
    const prompt = `${line}\n\n${o.whole.prompt}`
    const bytes = Buffer.byteLength(prompt)
    const summary = { ...o.whole.summary, promptBytes: bytes }
    return { ...base, incremental: false, why: increment.why, prompt, bytes, summary }
  }
  const { change, from, to } = increment
  const prompt = buildPrompt({ ...o.input, change, since: { from, to } })
  const bytes = Buffer.byteLength(prompt)
  const redactions = o.otherRedactions + change.redactions.length
  const summary = { ...summaryOf(change, bytes, redactions), since: from }
  return { ...base, incremental: true, prompt, bytes, summary }
}

/** What the report shows of a prompt and the change in it (the whole one, or an increment). */
export function summaryOf(
  change: PackedChange | undefined,
  promptBytes: number,
  redactions: number
): HandoffSummary {
  return {
    promptBytes,
    files: change?.files.length ?? 0,
    source: change?.source ?? 'none',
    truncated: change?.truncated ?? false,
    omitted: change?.omissions.length ?? 0,
    redactions
  }
}
