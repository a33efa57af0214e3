/**
 * A failed CI run packed for Devin: which jobs and steps failed, and (with `ci-logs`) each failed
 * job's log tail within `max-log-bytes`, screened for credentials, as files to attach. Logs are
 * untrusted text: they are attached, never inlined as instructions, and the prompt says so.
 */
import type { GitHubApi, RunJob } from '../github/client.js'
import { githubErrorMessage, isGitHubRequestError, statusOf } from '../github/errors.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { Redaction, SecretScan } from '../hygiene/secret-screen.js'
import { screenForDevin, type ForDevin } from '../egress/devin.js'
import type { AttachmentFile } from '../devin/types.js'
import type { CiRun } from '../run/target.js'
import { failedSteps, isFailed, tailLogs, type CiJobLog } from './ci-logs.js'

/** A failed job as the prompt names it. */
export interface CiFailedJob {
  name: string
  url?: string
  failedSteps: string[]
  /** The attached file with its log tail, when there is one. */
  file?: string
  /** The tail does not start at the log's beginning. */
  cut?: boolean
}

export interface CiHandoff {
  run: CiRun
  jobs: CiFailedJob[]
  /** The log tails to attach, screened: `name` is a file name of our own. */
  files: Array<ForDevin<AttachmentFile>>
  redactions: Redaction[]
}

/** A matrix can fail wide: the first jobs' logs are attached, the rest only named. */
const MAX_CI_LOG_FILES = 10

/** `ci-log-1-build.txt`: a file name of our own, whatever the job is called. */
function fileName(i: number, job: string): string {
  const slug = job
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return `ci-log-${i + 1}${slug ? `-${slug}` : ''}.txt`
}

export async function gatherCi(o: {
  run: CiRun
  github: () => Promise<Pick<GitHubApi, 'listRunJobs' | 'jobLog'>>
  logs: boolean
  maxLogBytes: number
  secretScan: SecretScan
  log: Log
}): Promise<CiHandoff> {
  const api = await o.github()
  let listed: RunJob[] = []
  try {
    listed = await api.listRunJobs(o.run.id)
  } catch (err) {
    // Devin can still look at the run; the handoff goes on without the jobs' names and logs.
    o.log.warning(`Could not list the failed run's jobs: ${whyNot(err)}`)
  }
  const failed = listed.filter((j) => isFailed(j.conclusion))
  const jobs: CiFailedJob[] = failed.map((j) => ({
    name: j.name,
    url: j.html_url ?? undefined,
    failedSteps: failedSteps(j.steps).map((s) => s.name)
  }))
  if (!o.logs || failed.length === 0) return { run: o.run, jobs, files: [], redactions: [] }
  const logged = failed.slice(0, MAX_CI_LOG_FILES)
  const downloaded = await Promise.all(logged.map((j) => download(api, j, o.maxLogBytes, o.log)))
  const have = downloaded.filter((d): d is CiJobLog => d !== undefined)
  const tails = tailLogs(have, o.maxLogBytes)
  // Logs quote whatever the build printed: redacted always, unless screening is off altogether.
  // Each file passes the gate's Devin screen: an upload takes only what it returns.
  const mode: SecretScan = o.secretScan === 'off' ? 'off' : 'redact'
  const redactions: Redaction[] = []
  const files: Array<ForDevin<AttachmentFile>> = []
  for (const [i, t] of tails.entries()) {
    const name = fileName(i, t.name)
    const screened = await screenForDevin(
      { name, content: t.text },
      { mode, log: o.log, what: name }
    )
    redactions.push(...screened.redactions)
    files.push(screened.value)
  }
  tails.forEach((t, i) => {
    const job = jobs[failed.findIndex((f) => f.id === t.id)]
    if (!job) return
    job.file = files[i]?.name
    job.cut = t.cutBefore
  })
  return { run: o.run, jobs, files, redactions }
}

/** One job's log tail, or undefined (with a warning) when it cannot be read. */
async function download(
  api: Pick<GitHubApi, 'jobLog'>,
  job: RunJob,
  maxBytes: number,
  log: Log
): Promise<CiJobLog | undefined> {
  try {
    const got = await api.jobLog(job.id, maxBytes)
    return { ...job, log: got.tail, cutBefore: got.cutBefore || !got.complete }
  } catch (err) {
    log.warning(`Could not read the log of the failed job '${job.name}': ${whyNot(err)}`)
    return undefined
  }
}

/**
 * GitHub's refusal (its status first) says what the token lacks; a log host's own failure (an
 * expired link) is not a permission of the token.
 */
function whyNot(err: unknown): string {
  if (!isGitHubRequestError(err)) return `${errorText(err)}.`
  const hint = statusOf(err) === 403 ? " The job needs 'actions: read'." : ''
  return `${githubErrorMessage(err)}.${hint}`
}
