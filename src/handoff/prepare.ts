/**
 * Target → handoff: packs the change, scans the task and PR text for credentials, and assembles
 * the prompt. Nothing here talks to Devin; a `secret-scan: fail` stops the run before it does.
 */
import type { Inputs } from '../run/inputs.js'
import type { RunContext } from '../run/context.js'
import type { Target } from '../run/target.js'
import type { GitHubApi } from '../github/client.js'
import type { PullFile } from '../github/types.js'
import { packRun, type PackedChange, type PackOptions } from './pack.js'
import {
  screenTexts,
  SecretsFoundError,
  type Redaction,
  type ScreenPart,
  type SecretScan
} from '../hygiene/secret-screen.js'
import { gatherCi, type CiHandoff } from './ci.js'
import { buildPrompt } from './prompt.js'
import type { HandedOff, HandoffSummary } from '../state/run-state.js'
import { packIncrement, sinceLastOf, summaryOf, type SinceLast } from './since.js'
import type { Log } from '../hygiene/log.js'
import type { Trigger } from '../run/trigger.js'

export interface Handoff {
  prompt: string
  bytes: number
  change?: PackedChange
  redactions: Redaction[]
  summary: HandoffSummary
  screened: Screened
  /** A failed CI run: its jobs, and the log tails to attach to the session. */
  ci?: CiHandoff
  /**
   * Set when the comment's last handoff was to a session of this PR: what to send that session as
   * a follow-up (only the commits since, or the whole change again and why).
   */
  sinceLast?: SinceLast
}

export type { SinceLast } from './since.js'

/**
 * The text the session is named and tagged from, as screened with the prompt: a credential in a
 * PR title, a branch name or the task's first line must not reach the title, the tags or the
 * report when the prompt itself no longer holds it.
 */
export interface Screened {
  /** The target with the PR title and body and both branch names screened. */
  target: Target
  task: string
  /** The `title` input (often a workflow expression of the PR title). */
  title: string
  /** Who asked in a triggering comment, and what, as the prompt carries it. */
  requestedBy?: { login: string; text: string }
}

/** Scans the non-diff text (the packer scans the diff itself) and redacts or refuses it. */
export function screenText(
  parts: Array<{ where: string; text: string }>,
  mode: SecretScan,
  log: Log
): Promise<{ texts: string[]; redactions: Redaction[] }> {
  const screened: ScreenPart[] = parts.map((p) => ({
    text: p.text,
    where: (line) => `${p.where}:${line}`,
    warning: (label, line) =>
      `Possible ${label} in the ${p.where} (line ${line}): redacted before sending`
  }))
  return screenTexts(screened, mode, log)
}

/** The packer saw the raw branch names (git needs them); its note names them as screened. */
export function namesAsScreened(note: string, raw: Target, screened: Target): string {
  let out = note
  for (const key of ['baseRef', 'headRef'] as const) {
    if (raw[key] !== '' && raw[key] !== screened[key]) out = out.split(raw[key]).join(screened[key])
  }
  return out
}

export async function prepareHandoff(opts: {
  inputs: Inputs
  ctx: RunContext
  target: Target
  /** A triggering comment: what it adds to the task, and who wrote it (shown with what it asked). */
  trigger?: Pick<Trigger, 'extraTask' | 'comment'>
  /** For the API fallback (`pulls/{n}/files`) when git cannot diff, and a CI run's jobs. */
  github?: () => Promise<Pick<GitHubApi, 'pullFiles' | 'listRunJobs' | 'jobLog'>>
  /**
   * The comment's last handoff, looked up beside the packing: with a PR and the diff included,
   * the commits since its head are packed too (see `Handoff.sinceLast`).
   */
  since?: Promise<HandedOff | undefined>
  log: Log
}): Promise<Handoff> {
  const { inputs, ctx, log, github } = opts
  const by = opts.trigger?.comment?.by
  const pr = opts.target.pr
  // Git (child processes) and the scan of the task and PR text (secretlint's load is CPU) run
  // side by side; the packer reads no PR text, so it can start before that text is screened.
  const fetchFiles = github
    ? async function* (n: number): AsyncIterable<PullFile> {
        yield* (await github()).pullFiles(n)
      }
    : undefined
  const packOptions: PackOptions = {
    workspace: ctx.workspace,
    target: opts.target,
    includeDiff: inputs.includeDiff,
    includeUncommitted: inputs.includeUncommitted,
    maxDiffBytes: inputs.maxDiffBytes,
    excludePaths: inputs.excludePaths,
    secretScan: inputs.secretScan,
    pullFiles: pr && fetchFiles ? () => fetchFiles(pr.number) : undefined,
    log
  }
  const running =
    inputs.includeDiff || inputs.includeUncommitted
      ? packRun(packOptions)
      : Promise.resolve(undefined)
  const packing = running.then((r) => r?.change)
  packing.catch(() => undefined) // awaited below; a failed screen must not leave it unhandled
  // The increment starts once the whole change's git work is done (two fetches at once would
  // fight over `.git/shallow`), while the text is still being screened.
  const last = opts.since?.catch(() => undefined)
  const incrementing =
    last && pr && inputs.includeDiff
      ? running.then(async (r) => {
          const handedOff = await last
          if (!r || !handedOff) return undefined
          return { handedOff, increment: await packIncrement(r, packOptions, handedOff.headSha) }
        })
      : Promise.resolve(undefined)
  incrementing.catch(() => undefined) // awaited below, like the packing
  const run = opts.target.ci
  const gathering =
    run && github
      ? gatherCi({
          run,
          github,
          logs: inputs.ciLogs,
          maxLogBytes: inputs.maxLogBytes,
          secretScan: inputs.secretScan,
          log
        })
      : Promise.resolve(undefined)
  gathering.catch(() => undefined) // awaited below, like the packing
  const parts = [
    { where: 'task', text: inputs.task },
    { where: 'comment', text: opts.trigger?.extraTask ?? '' },
    { where: 'PR title', text: pr?.title ?? '' },
    { where: 'PR body', text: pr?.body ?? '' },
    { where: 'title input', text: inputs.title },
    { where: 'branch name', text: opts.target.headRef },
    { where: 'base branch name', text: opts.target.baseRef }
  ]
  // With `secret-scan: fail`, findings in the text wait for the packer's own scan of the change:
  // one failed run names every place, instead of one more per fix-and-rerun.
  let refused: Redaction[] = []
  const screened = await screenText(parts, inputs.secretScan, log).catch((err: unknown) => {
    if (!(err instanceof SecretsFoundError)) throw err
    refused = err.redactions
    return { texts: parts.map((p) => p.text), redactions: [] }
  })
  const [
    task = '',
    extraTask = '',
    prTitle = '',
    body = '',
    title = '',
    headRef = '',
    baseRef = ''
  ] = screened.texts
  // The packer keeps the raw target: git needs the real base name.
  const target: Target = { ...opts.target, headRef, baseRef }
  if (pr) target.pr = { ...pr, title: prTitle, body }
  const packed: PackedChange | undefined = await packing.catch((err: unknown) => {
    if (err instanceof SecretsFoundError && refused.length > 0)
      throw new SecretsFoundError([...refused, ...err.redactions])
    throw err
  })
  if (refused.length > 0) throw new SecretsFoundError(refused)
  const change = packed && {
    ...packed,
    sourceNote: namesAsScreened(packed.sourceNote, opts.target, target)
  }
  const ci = await gathering
  const input = {
    task,
    target,
    runUrl: ctx.runUrl,
    ci,
    extraTask: extraTask || undefined,
    // Listed beside the diff's own, so the prompt's count is the summary's.
    redactionsInTask: screened.redactions
  }
  const prompt = buildPrompt({ ...input, change })
  const redactions = [
    ...screened.redactions,
    ...(change?.redactions ?? []),
    ...(ci?.redactions ?? [])
  ]
  const bytes = Buffer.byteLength(prompt)
  const summary = summaryOf(change, bytes, redactions.length)
  const since = await incrementing
  return {
    prompt,
    bytes,
    change,
    ci,
    redactions,
    screened: {
      target,
      task,
      title,
      requestedBy: by ? { login: by, text: extraTask } : undefined
    },
    summary,
    ...(since && {
      sinceLast: sinceLastOf({
        ...since,
        input,
        whole: { prompt, summary },
        otherRedactions: screened.redactions.length + (ci?.redactions.length ?? 0)
      })
    })
  }
}
