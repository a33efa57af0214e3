/**
 * The `post:` step (runs with `post-if: always()`): the backstop for a main step that was
 * cancelled or killed before it could finish. It restores the run from the saved state and hands
 * it to the same cancellation core the main step's signal handler uses (src/lifecycle/cancel.ts),
 * which also looks up the session of a start the main step could not settle.
 */
import { readCredentials } from './credentials/read.js'
import { createDevinClient } from './devin/factory.js'
import { openLog, runnerLog } from './egress/log.js'
import { linkHosts } from './egress/markdown.js'
import { readStepState } from './egress/step.js'
import { lazyGitHub } from './github/factory.js'
import { CheckRun } from './github/check-run.js'
import { StickyComment } from './github/sticky-comment.js'
import { errorText } from './hygiene/scrub.js'
import { finalizeCancelled, lookUpStart, POST_BUDGET } from './lifecycle/cancel.js'
import { Reporter } from './report/reporter.js'
import { readRunContext } from './run/context.js'
import { envInputReader, readApiUrl } from './run/inputs.js'
import { RunState } from './state/run-state.js'
import { parseState, postStepNeeded, STATE_KEY, type SavedState } from './state/saved.js'

const INTERRUPTED = 'The job ended before the action could finish (cancelled or timed out)'

export async function finalizeInterrupted(saved: SavedState): Promise<void> {
  const get = envInputReader()
  const credentials = readCredentials(get)
  const scrub = (text: string): string => credentials.scrub(text)
  const log = openLog(scrub)
  const ctx = readRunContext()
  const apiUrl = readApiUrl(get)
  const links = linkHosts(ctx.serverUrl, apiUrl)
  const state = new RunState({ restore: saved.report })
  state.orgId = saved.orgId
  state.terminated = saved.terminated
  const reporter = new Reporter({
    state,
    scrub,
    stopOnCancel: saved.stopOnCancel,
    links,
    log,
    post: true
  })
  const { comment, check } = saved
  if ((comment || check) && credentials.hasGithubToken) {
    const api = await lazyGitHub(credentials, ctx, log)()
    // Without an id the main step's first write never came back: the marker finds it, if made.
    const known = comment?.id !== undefined ? { id: comment.id, url: comment.url ?? '' } : undefined
    if (comment)
      reporter.commentOn(new StickyComment(api, comment.issue, saved.report.commentKey, known))
    const made = check?.id !== undefined ? { id: check.id, url: check.url ?? '' } : undefined
    if (check) reporter.checkOn(new CheckRun(api, check, made))
  }
  const pending = state.report.pending
  // The main step decided the run and only its last write was cut short: write what it decided.
  // Left to do after it ended: only a cancel's start it could not settle.
  if (state.phase === 'ended' && !(state.report.cancelled && pending))
    return await reporter.finish()
  const devin = credentials.hasDevinKey
    ? createDevinClient(credentials, { apiUrl, log })
    : undefined
  await finalizeCancelled({
    state,
    stopOnCancel: saved.stopOnCancel,
    devin,
    start: devin && pending && lookUpStart(devin, pending),
    finish: () => reporter.finish(),
    scrub,
    log,
    by: 'post',
    // A run the main step had already finalized as cancelled keeps its own opening words.
    prefix: state.phase === 'ended' ? undefined : INTERRUPTED,
    budget: POST_BUDGET
  })
}

/** The post step's entry (src/index.ts picks it): finalize a main step that did not. */
export async function runPost(): Promise<void> {
  const saved = parseState(readStepState(STATE_KEY))
  // A backstop that fails would only add a red step to a job that already ended badly: warn.
  if (saved && postStepNeeded(saved))
    await finalizeInterrupted(saved).catch((err: unknown) =>
      runnerLog.warning(`The post step could not finalize the Devin handoff: ${errorText(err)}`)
    )
}
