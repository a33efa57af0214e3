/**
 * One check run on a commit, written like the sticky comment (./sticky-comment.ts): created by
 * the first write, updated by later ones, and nothing sent when nothing changed. A create whose
 * outcome is unknown is never blindly sent twice: the commit's runs of that name are looked up
 * and one carrying our `external_id` (the session id) is adopted; only if there is none is the
 * create sent once more.
 *
 * Only a GitHub App's token with `checks: write` may write check runs, and only the App that
 * created a run may update it. GitHub's 403s for those are thrown as {@link ChecksRefused}, so
 * the caller gives one notice and stops writing check runs while the rest of the run goes on.
 */
import { capBytes } from '../egress/caps.js'
import type { CommentBody } from '../egress/comment.js'
import type { GitHubApi } from './client.js'
import { githubErrorMessage, outcomeUnknown, statusOf } from './errors.js'
import { isRateLimit } from './octokit.js'
import type { CheckConclusion, CheckRunPayload, CheckRunRequest } from './types.js'

/** What the check run should show now. */
export interface CheckSpec {
  status: 'in_progress' | 'completed'
  /** Required when completed; ignored while in progress (GitHub would complete the run). */
  conclusion?: CheckConclusion
  /** One plain line. */
  title: string
  /** The report's Markdown, from the egress gate. */
  summary: CommentBody
  detailsUrl?: string
  /** Overrides the one the run was made with (the session id). */
  externalId?: string
}

/** Which run: its name on the commit, and the id of the session it shows. */
export interface CheckTarget {
  name: string
  headSha: string
  externalId?: string
}

export interface CheckResult {
  id: number
  url: string
  created: boolean
}

/**
 * GitHub counts a summary's limit in bytes (`summary exceeds a maximum bytesize of 65535`), not
 * in the characters its description names: the gate's comment-sized body may be over it.
 */
export const MAX_SUMMARY_BYTES = 65_535
const CUT = '\n\n_…the rest of this report was cut to fit GitHub’s check run limit._\n'

/** Why GitHub refused: which of its three check run 403s this is. */
export type RefusedReason = 'permission' | 'personal-token' | 'other-app'

const EXPLAINED: Record<RefusedReason, string> = {
  permission:
    'the token needs the `checks: write` permission (and a personal access token cannot create check runs at all)',
  'personal-token':
    'a personal access token cannot create check runs: only a GitHub App’s token can (the workflow’s GITHUB_TOKEN with `checks: write`, or an App installation token)',
  'other-app': 'the check run belongs to another GitHub App, and only that App may update it'
}

/** GitHub will not let this token write check runs; writing again will not help. */
export class ChecksRefused extends Error {
  readonly status = 403
  readonly reason: RefusedReason

  constructor(cause: unknown) {
    const detail = githubErrorMessage(cause)
    const reason = refusedReason(detail)
    super(`GitHub refused the check run (${detail}): ${EXPLAINED[reason]}.`, { cause })
    this.name = 'ChecksRefused'
    this.reason = reason
  }
}

function refusedReason(detail: string): RefusedReason {
  if (/authenticate via a GitHub App/i.test(detail)) return 'personal-token'
  if (/app_id|GitHub App that created it/i.test(detail)) return 'other-app'
  return 'permission'
}

/** A 403 that is no rate limit: GitHub's refusal of this token, whatever is sent. */
function isRefusal(err: unknown): boolean {
  return statusOf(err) === 403 && !isRateLimit(err as Parameters<typeof isRateLimit>[0])
}

const refusedOr = (err: unknown): unknown => (isRefusal(err) ? new ChecksRefused(err) : err)

/** The fields a write sends, the same for a create and an update; pure, so it can be compared. */
export function checkFields(spec: CheckSpec, externalId?: string): CheckRunRequest {
  if (spec.status === 'completed' && spec.conclusion === undefined)
    throw new TypeError('A completed check run needs a conclusion')
  const fields: CheckRunRequest = {
    status: spec.status,
    output: {
      title: spec.title.replace(/\s+/g, ' ').trim(),
      summary: capBytes(spec.summary, MAX_SUMMARY_BYTES, CUT)
    }
  }
  if (spec.status === 'completed') fields.conclusion = spec.conclusion
  if (spec.detailsUrl !== undefined) fields.details_url = spec.detailsUrl
  const external = spec.externalId ?? externalId
  if (external !== undefined) fields.external_id = external
  return fields
}

/** Whether a run found on GitHub already shows what `fields` would write. */
function shows(run: CheckRunPayload, fields: CheckRunRequest): boolean {
  return (
    run.status === fields.status &&
    (run.conclusion ?? undefined) === fields.conclusion &&
    run.output?.title === fields.output?.title &&
    run.output?.summary === fields.output?.summary &&
    (fields.details_url === undefined || run.details_url === fields.details_url)
  )
}

export class CheckRun {
  private id?: number
  private url?: string
  /** The fields last written, as compared: none yet for a run handed over by id. */
  private lastSent?: string

  constructor(
    private readonly api: GitHubApi,
    readonly target: CheckTarget,
    known?: { id: number; url: string }
  ) {
    this.id = known?.id
    this.url = known?.url
  }

  get checkId(): number | undefined {
    return this.id
  }

  get checkUrl(): string | undefined {
    return this.url
  }

  /**
   * Creates the run or updates it; an unchanged spec costs no request. Throws
   * {@link ChecksRefused} when GitHub refuses the token, anything else as GitHub failed it. A
   * run handed over by id is only ever updated: if GitHub no longer has it, its 404 is thrown.
   */
  async write(spec: CheckSpec): Promise<CheckResult> {
    const fields = checkFields(spec, this.target.externalId)
    const key = JSON.stringify(fields)
    if (this.id !== undefined && key === this.lastSent) return this.result(false)
    try {
      if (this.id === undefined) {
        await this.create(fields)
        this.lastSent = key
        return this.result(true)
      }
      this.adopt(await this.api.updateCheckRun(this.id, fields))
      this.lastSent = key
      return this.result(false)
    } catch (err) {
      throw refusedOr(err)
    }
  }

  private result(created: boolean): CheckResult {
    return { id: this.id as number, url: this.url ?? '', created }
  }

  private adopt(run: CheckRunPayload): void {
    this.id = run.id
    this.url = run.html_url ?? this.url
  }

  /**
   * Creates the run. When the outcome is unknown (5xx, dropped connection, timeout, unreadable
   * answer), the commit's runs are looked at first: ours, if GitHub made it, carries our
   * external id; it is adopted (and brought up to date if it shows something else, an earlier
   * attempt's run, say), and the create is sent once more only if there is none.
   */
  private async create(fields: CheckRunRequest): Promise<void> {
    const { name, headSha } = this.target
    for (let attempt = 1; ; attempt++) {
      let failure: unknown
      try {
        const run = await this.api.createCheckRun({ name, head_sha: headSha, ...fields })
        if (typeof run?.id === 'number') return this.adopt(run)
        failure = new Error('GitHub answered the check run create without a check run')
      } catch (err) {
        if (!outcomeUnknown(err)) throw err
        failure = err
      }
      const found = await this.findOurs(fields.external_id)
      if (found) {
        this.adopt(found)
        if (!shows(found, fields)) this.adopt(await this.api.updateCheckRun(found.id, fields))
        return
      }
      if (attempt >= 2) throw failure
    }
  }

  /** The newest run of our name on the commit with our external id; none without an id. */
  private async findOurs(externalId: string | undefined): Promise<CheckRunPayload | undefined> {
    if (externalId === undefined) return undefined
    const runs = await this.api.findCheckRuns(this.target.headSha, this.target.name)
    return runs
      .filter((r) => r.external_id === externalId && r.name === this.target.name)
      .sort((a, b) => b.id - a.id)[0]
  }
}
