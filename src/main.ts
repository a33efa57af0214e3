/**
 * Orchestration only: inputs → target → handoff → session → report. Each step lives in its own
 * module; this file decides the order, what a skip or a failure means, and that the comment,
 * the summary and the outputs are written whatever happens.
 */
import * as core from '@actions/core'
import { readRunContext } from './context.js'
import { envInputReader, readInputs } from './inputs.js'
import { isSkip, resolveTarget } from './target.js'
import { createGitHubApi } from './github.js'
import { staticSkipReason, permissionSkipReason } from './trust.js'
import { prepareHandoff } from './handoff.js'
import { DevinClient } from './devin.js'
import { createRequest, sessionTags, runTag, toView } from './session.js'
import { StickyComment } from './comment.js'
import { triggerOf } from './trigger.js'
import { Run } from './run.js'
import { failureFor, scrub } from './outcome.js'
import { waitForSession } from './wait.js'

const log = {
  info: (m: string) => core.info(m),
  warning: (m: string) => core.warning(m),
  debug: (m: string) => core.debug(m)
}

/** Masks the credentials before anything can print them. */
export function maskCredentials(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = [env['INPUT_API-KEY'], env['INPUT_GITHUB-TOKEN']]
    .map((s) => (s ?? '').trim())
    .filter((s) => s !== '')
  for (const s of secrets) core.setSecret(s)
  return secrets
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  return () => (value ??= make())
}

export async function run(): Promise<void> {
  const secrets = maskCredentials()
  let current: Run | undefined
  try {
    const ctx = readRunContext()
    const inputs = await readInputs(envInputReader(), ctx.workspace)
    const github = lazy(() =>
      createGitHubApi({
        token: inputs.githubToken,
        owner: ctx.owner,
        repo: ctx.repo,
        apiUrl: ctx.apiUrl
      })
    )
    const r = (current = new Run(ctx, inputs, github, secrets))

    const target = await resolveTarget(
      ctx,
      { baseRef: inputs.baseRef, prNumber: inputs.prNumber },
      async (n) => (await github()).getPull(n)
    )
    if (isSkip(target)) return await r.skip(target.skip)
    r.report.prNumber = target.pr?.number
    r.report.headRef = target.headRef
    if (inputs.comment === 'true' && !target.pr) {
      throw new Error(
        "Input 'comment': is 'true' but no pull request is in context; set 'pr-number' or use 'auto'"
      )
    }
    const trigger = triggerOf(ctx, inputs.triggerPhrase)
    if (trigger.skip) return await r.skip(trigger.skip)
    const staticSkip = staticSkipReason(ctx, target, inputs)
    if (staticSkip) return await r.skip(staticSkip)
    // Packing (git processes) starts first and the permission lookup (GitHub API) runs beside
    // it; nothing is sent anywhere until the permission answer is in.
    const packing = prepareHandoff({
      inputs,
      ctx,
      target,
      extraTask: trigger.extraTask,
      pullFiles: (n) => ({
        [Symbol.asyncIterator]: async function* () {
          yield* (await github()).pullFiles(n)
        }
      }),
      log
    })
    const permission = permissionSkipReason(ctx, inputs.requirePermission, async (login) =>
      (await github()).permissionOf(login)
    )
    packing.catch(() => undefined) // awaited below; a skip must not leave it unhandled
    const permissionSkip = await permission
    if (permissionSkip) return await r.skip(permissionSkip)
    const handoff = await packing
    r.report.handoff = handoff.summary
    if (inputs.dryRun) {
      core.startGroup(`Prompt (${handoff.bytes} bytes, dry run: nothing sent)`)
      core.info(handoff.prompt)
      core.endGroup()
      r.report.result = 'dry-run'
      return await r.finish(handoff.prompt)
    }

    if (r.wantsComment(target) && target.pr) {
      r.sticky = new StickyComment(await github(), target.pr.number, inputs.commentKey)
    }
    const devin = new DevinClient({ apiUrl: inputs.apiUrl, apiKey: inputs.apiKey, log })
    try {
      const orgId = await devin.resolveOrgId(inputs.orgId)
      const tags = sessionTags(inputs, target, ctx)
      const { session, recovered } = await devin.createSession(
        orgId,
        createRequest(inputs, target, handoff.prompt, tags),
        { dedupeTag: runTag(ctx, inputs.commentKey) }
      )
      if (recovered)
        log.info(
          'The create request had an unknown outcome; found the session it made instead of resending'
        )
      r.report.session = toView(session)
      r.report.result = 'created'
      r.report.timeline.push({ at: Date.now(), text: `session created (${session.status})` })
      core.setOutput('session-id', session.sessionId)
      core.setOutput('session-url', r.report.session.url)
      core.info(`Devin session: ${r.report.session.url}`)
      if (inputs.wait) {
        r.report.result = undefined
        await r.writeComment()
        await waitForSession({ run: r, devin, orgId, log })
      }
    } finally {
      await devin.close()
    }
    await r.finish()
    const failure = failureFor(r.report, inputs.failOn)
    if (failure) core.setFailed(failure)
  } catch (err) {
    const message = scrub(err instanceof Error ? err.message : String(err), secrets)
    if (current) {
      current.report.result = current.report.session ? current.report.result : 'error'
      current.report.error = message
      await current.finish().catch(() => undefined)
    }
    core.setFailed(message)
  }
}
