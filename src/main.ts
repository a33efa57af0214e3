/**
 * The pipeline: read → decide → pack → start (or reuse) the session → follow → report. Each
 * stage lives in its folder; this file decides only the order, and that the report is written
 * whatever happens. `mode: review` and `mode: sync` branch off to pipelines of their own.
 */
import { readCredentials } from './credentials/read.js'
import { createDevinClient } from './devin/factory.js'
import { openLog } from './egress/log.js'
import { linkHosts } from './egress/markdown.js'
import { failStep } from './egress/step.js'
import type { GitHubApi } from './github/client.js'
import { describeFailure } from './github/errors.js'
import { lazyGitHub } from './github/factory.js'
import { react, type CommentRef } from './github/reactions.js'
import { prepareHandoff } from './handoff/prepare.js'
import { follow } from './lifecycle/follow.js'
import { guardRun, type RunGuard } from './lifecycle/guard.js'
import { Reporter } from './report/reporter.js'
import { runReview } from './review/run.js'
import { readRunContext } from './run/context.js'
import { decide } from './run/decide.js'
import { envInputReader, readInputs } from './run/inputs.js'
import { permissionRefusal } from './run/trust.js'
import { routeHandoff } from './session/route.js'
import { startSession, wouldSend } from './session/start.js'
import { RunState } from './state/run-state.js'
import { toView } from './state/view.js'
import { syncMode } from './sync/run.js'

export async function run(): Promise<void> {
  const get = envInputReader()
  const credentials = readCredentials(get) // masked before anything else can print them
  const scrub = (text: string): string => credentials.scrub(text)
  const log = openLog(scrub) // the one writer of the log: credentials out, commands inert
  let reporter: Reporter | undefined
  let asked: CommentRef | undefined
  let github: (() => Promise<GitHubApi>) | undefined
  let cancel: RunGuard | undefined
  try {
    const ctx = readRunContext()
    const inputs = await readInputs(get, ctx.workspace, { log, devinKey: credentials.devinKeyKind })
    const gh = (github = lazyGitHub(credentials, ctx, log))
    const links = linkHosts(ctx.serverUrl, inputs.apiUrl)
    if (inputs.mode === 'sync')
      return await syncMode({ credentials, github: gh, inputs, ctx, links, scrub, log })
    const state = new RunState({ ...inputs, slug: `${ctx.owner}/${ctx.repo}`, runUrl: ctx.runUrl })
    reporter = new Reporter({ state, scrub, stopOnCancel: inputs.stopOnCancel, links, log })
    // From here on a cancel at any instant ends the run true (src/lifecycle/guard.ts).
    cancel = guardRun({ state, surfaces: reporter, stopOnCancel: inputs.stopOnCancel, scrub, log })
    const decision = await decide(ctx, inputs, credentials.hasDevinKey, gh, log)
    // The branch joins the report once the handoff has screened it (a branch name can hold a token).
    if (decision.target) state.targetFound({ prNumber: decision.target.pr?.number })
    if (decision.skip !== undefined) return await reporter.skip(decision.skip)
    const { target, trigger } = decision
    const run = { inputs, ctx, target, trigger, log, github: gh }
    if (inputs.mode === 'review') return await runReview({ ...run, credentials, reporter, cancel })
    // Packing (git) and the permission lookup (GitHub) run side by side; nothing is sent before.
    state.packingBegan()
    const packing = prepareHandoff({ ...run, since: reporter.lastHandoff(run) }) // `incremental`
    packing.catch(() => undefined) // awaited below; a skip must not leave it unhandled
    const refused = await permissionRefusal(ctx, inputs.requirePermission, gh)
    if (refused) return await reporter.skip(refused)
    const handoff = await packing
    state.packed(handoff.summary, handoff.screened)
    if (inputs.dryRun) return await reporter.dryRun(await wouldSend(handoff, inputs, log))
    asked = trigger.comment
    await react(gh, asked, 'eyes', log)
    const devin = createDevinClient(credentials, { apiUrl: inputs.apiUrl, log })
    try {
      const at = { ...run, devin, orgId: await devin.resolveOrgId(inputs.orgId), watch: cancel }
      const route = await routeHandoff({ ...at, ...handoff.screened, devinHosts: links.devin })
      if ('skip' in route) return await reporter.skip(route.skip)
      const shown = await reporter.showOn(gh, inputs, target, route) // an answer: the asker's key
      const started = await startSession({ ...at, handoff, route, shown, reporter })
      if (!started) return // a budget was reached: the reporter told it as a skip
      state.sessionStarted(toView(started.session), started.how, { ...at, ...started })
      log.info(`Devin session: ${state.report.session?.url}`)
      await react(gh, asked, 'rocket', log)
      if (inputs.wait) await follow({ ...at, state, surfaces: reporter, scrub, cancel })
      else state.endedAsStarted()
      await reporter.finish()
      await reporter.recordOn(devin, at.orgId, started.session.tags) // for a later `mode: sync`
    } finally {
      await devin.close()
    }
    reporter.failIfAsked(inputs.failOn)
  } catch (err) {
    // Cancelled: the guard owns the run's end, and exits when it has written it.
    if (cancel?.fired) return await cancel.done
    const message = scrub(describeFailure(err))
    reporter?.state.failed(message)
    await reporter?.finish().catch(() => undefined)
    if (github) await react(github, asked, 'confused', log)
    failStep(message, scrub)
  } finally {
    cancel?.dispose()
  }
}
