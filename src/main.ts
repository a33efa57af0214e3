/**
 * Orchestration only: inputs → target → handoff → session → report. Each step lives in its own
 * module; this file decides the order, what a skip or a failure means, and that the comment,
 * the summary and the outputs are written whatever happens.
 */
import * as core from '@actions/core'
import { readRunContext } from './run/context.js'
import { envInputReader, readInputs } from './run/inputs.js'
import { isSkip, resolveTarget } from './run/target.js'
import {
  createGitHubApi,
  githubErrorMessage,
  requestTimeoutMs,
  type GitHubApi
} from './github/client.js'
import type { Trigger } from './run/trigger.js'
import { staticSkipReason, permissionSkipReason } from './run/trust.js'
import { prepareHandoff } from './handoff/prepare.js'
import { DevinApiError, DevinClient, type DevinSession } from './devin/client.js'
import {
  createRequest,
  followUpMessage,
  pickLive,
  runTag,
  sessionTags,
  threadTag,
  toView
} from './session/start.js'
import { StickyComment } from './github/sticky-comment.js'
import { triggerOf } from './run/trigger.js'
import { Run } from './report/reporter.js'
import { failureFor, scrub } from './hygiene/scrub.js'
import { waitForSession } from './lifecycle/wait.js'

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

/**
 * `reuse-session`: the live session of this PR and key (by thread tag) gets the handoff as a
 * message, which also wakes a suspended one. A session that is gone by the time the message
 * arrives (404/400/409) means a new one is created instead.
 */
async function reuse(
  devin: DevinClient,
  orgId: string,
  tag: string,
  message: string
): Promise<DevinSession | undefined> {
  const live = pickLive(await devin.findSessionsByTags(orgId, [tag]))
  if (!live) {
    log.info(`No live Devin session tagged ${tag}; creating a new one`)
    return undefined
  }
  try {
    const answer = await devin.sendMessage(orgId, live.sessionId, message)
    log.info(`Sent the handoff to the running session ${live.sessionId}`)
    return answer ?? (await devin.getSession(orgId, live.sessionId))
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status === 404 || status === 400 || status === 409) {
      log.info(
        `Session ${live.sessionId} can no longer take messages (${status}); creating a new one`
      )
      return undefined
    }
    throw err
  }
}

/** Lets the commenter see the trigger was picked up; a reaction that fails is not worth a warning. */
async function react(
  github: () => Promise<GitHubApi>,
  trigger: Trigger | undefined,
  content: string
) {
  if (!trigger?.comment) return
  try {
    await (await github()).react(trigger.comment.kind, trigger.comment.id, content)
  } catch (err) {
    core.debug(`Could not add the ${content} reaction: ${(err as Error).message}`)
  }
}

/** GitHub's errors (Octokit) carry the status apart from the message; put it back in. */
export function failureMessage(err: unknown): string {
  const status = (err as { status?: unknown } | undefined)?.status
  if (err instanceof Error && !(err instanceof DevinApiError) && typeof status === 'number') {
    return `GitHub API request failed: ${githubErrorMessage(err)}`
  }
  return err instanceof Error ? err.message : String(err)
}

export async function run(): Promise<void> {
  const secrets = maskCredentials()
  let current: Run | undefined
  let reactTo: { github: () => Promise<GitHubApi>; trigger: Trigger } | undefined
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
    const r = (current = new Run(ctx, inputs, secrets))

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
    if (!inputs.dryRun && trigger.comment) {
      reactTo = { github, trigger }
      await react(github, trigger, 'eyes')
    }
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
    const devin = new DevinClient({
      apiUrl: inputs.apiUrl,
      apiKey: inputs.apiKey,
      log,
      requestTimeoutMs: requestTimeoutMs()
    })
    try {
      const orgId = await devin.resolveOrgId(inputs.orgId)
      const message = followUpMessage(handoff.prompt)
      const reused =
        inputs.reuseSession && !trigger.forceNew
          ? await reuse(devin, orgId, threadTag(target, inputs.commentKey), message)
          : undefined
      if (reused) {
        // `prompt-bytes` is what was sent: the follow-up message around the prompt.
        r.report.handoff = { ...handoff.summary, promptBytes: Buffer.byteLength(message) }
        r.report.session = toView(reused)
        r.report.result = 'reused'
        r.report.timeline.push({
          at: Date.now(),
          text: `handoff sent to the running session (${reused.status})`
        })
      } else {
        const tags = sessionTags(inputs, target, ctx)
        // An unknown create outcome is settled (and logged) by the client: look-up before resend.
        const { session } = await devin.createSession(
          orgId,
          createRequest(inputs, target, handoff.prompt, tags),
          { dedupeTag: runTag(ctx, inputs.commentKey) }
        )
        r.report.session = toView(session)
        r.report.result = 'created'
        r.report.timeline.push({ at: Date.now(), text: `session created (${session.status})` })
      }
      core.setOutput('session-id', r.report.session.id)
      core.setOutput('session-url', r.report.session.url)
      core.info(`Devin session: ${r.report.session.url}`)
      if (reactTo) await react(reactTo.github, reactTo.trigger, 'rocket')
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
    const message = scrub(failureMessage(err), secrets)
    if (current) {
      // A session that exists keeps its result (e.g. created); one that failed mid-wait, or no
      // session at all, is an error.
      current.report.result = current.report.session ? (current.report.result ?? 'error') : 'error'
      current.report.error = message
      await current.finish().catch(() => undefined)
    }
    if (reactTo) await react(reactTo.github, reactTo.trigger, 'confused')
    core.setFailed(message)
  }
}
