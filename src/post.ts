/**
 * The `post:` step (runs with `post-if: always()`): the backstop for a main step that was
 * cancelled or killed before it could finish. It restores the run from the saved state and hands
 * it to the same cancellation core the main step's signal handler uses (src/lifecycle/cancel.ts).
 */
import { readCredentials } from './credentials/read.js'
import { createDevinClient } from './devin/factory.js'
import { openLog, runnerLog } from './egress/log.js'
import { linkHosts } from './egress/markdown.js'
import { readStepState } from './egress/step.js'
import { lazyGitHub } from './github/factory.js'
import { StickyComment } from './github/sticky-comment.js'
import { errorText } from './hygiene/scrub.js'
import { finalizeCancelled, POST_BUDGET } from './lifecycle/cancel.js'
import { Reporter } from './report/reporter.js'
import { readRunContext } from './run/context.js'
import { envInputReader, readApiUrl } from './run/inputs.js'
import { RunState } from './state/run-state.js'
import { parseState, STATE_KEY, type SavedState } from './state/saved.js'

const INTERRUPTED = 'The job ended before the action could finish (cancelled or timed out)'

export async function finalizeInterrupted(saved: SavedState): Promise<void> {
  const get = envInputReader()
  const credentials = readCredentials(get)
  const scrub = (text: string): string => credentials.scrub(text)
  const log = openLog(scrub)
  const ctx = readRunContext()
  const links = linkHosts(ctx.serverUrl, readApiUrl(get))
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
  if (saved.comment && credentials.hasGithubToken) {
    const api = await lazyGitHub(credentials, ctx, log)()
    reporter.commentOn(
      new StickyComment(api, saved.comment.issue, saved.report.commentKey, saved.comment)
    )
  }
  // The main step already settled the run (it was cancelled and only its last write was cut
  // short): write what it decided.
  if (state.phase === 'ended') return await reporter.finish()
  const devin = credentials.hasDevinKey
    ? createDevinClient(credentials, { apiUrl: readApiUrl(get), log })
    : undefined
  await finalizeCancelled({
    state,
    stopOnCancel: saved.stopOnCancel,
    devin,
    finish: () => reporter.finish(),
    scrub,
    log,
    by: 'post',
    prefix: INTERRUPTED,
    budget: POST_BUDGET
  })
}

const saved = parseState(readStepState(STATE_KEY))
// A backstop that fails would only add a red step to a job that already ended badly: warn.
if (saved && !saved.final)
  await finalizeInterrupted(saved).catch((err: unknown) =>
    runnerLog.warning(`The post step could not finalize the Devin handoff: ${errorText(err)}`)
  )
