/**
 * Where the run's state is told: the sticky comment (while the run goes on and at its end), and at
 * the end, once, the step outputs and the job summary; plus the saved state for the post step.
 * Everything is rendered from one report (./render.ts) so that no two places disagree, and
 * written through the egress gate (src/egress/), the only writer of the log, outputs, summary,
 * state and comment bodies.
 */
import { commentBody } from '../egress/comment.js'
import type { RunnerLog } from '../egress/log.js'
import type { LinkHosts } from '../egress/markdown.js'
import { failStep, saveStepState, setOutputs, writeSummary } from '../egress/step.js'
import { safeUrl } from '../egress/markdown.js'
import { CheckRun, ChecksRefused } from '../github/check-run.js'
import type { GitHubApi } from '../github/client.js'
import { githubErrorMessage } from '../github/errors.js'
import { StickyComment } from '../github/sticky-comment.js'
import { wantsCheck, wantsComment } from '../run/decide.js'
import type { FailOn, Inputs } from '../run/inputs.js'
import type { Target } from '../run/target.js'
import type { Trigger } from '../run/trigger.js'
import type { Route } from '../session/route.js'
import { decodeState } from '../state/marker.js'
import type { HandedOff, RunState } from '../state/run-state.js'
import { STATE_KEY, type SavedState } from '../state/saved.js'
import { renderBudgetComment } from './budget.js'
import { checkName, renderCheck } from './check.js'
import { failureFor, noticeFor } from './fail-on.js'
import { outputsOf, renderComment, renderSummary } from './render.js'
import { recordShown, type Shown, type TagWriter } from './tracking.js'

export interface ReporterOptions {
  state: RunState
  /** Removes credentials from any text about to be shown. */
  scrub: (text: string) => string
  stopOnCancel: boolean
  /** Where links in the comment and summary may point (the GitHub server, Devin's web app). */
  links: LinkHosts
  log: Pick<RunnerLog, 'info' | 'warning' | 'notice' | 'block'>
  /** The post step restores a run; it neither saves state again nor sets the main step's outputs. */
  post?: boolean
}

export class Reporter {
  readonly state: RunState
  #sticky?: StickyComment
  #check?: CheckRun
  #commentWarned = false
  /** GitHub refused this token check runs (no `checks: write`): said once, not tried again. */
  #checkRefused = false
  /** A check write failed otherwise (5xx, timeout): warned once, tried again on the next write. */
  #checkWarned = false
  #finished = false
  /** The last comment write queued: writes go one at a time, so a cancel's lands last. */
  #writes: Promise<void> = Promise.resolve()
  #finishing?: Promise<void>
  /** A budget stopped the run: the comment keeps what it showed, with this reason's line. */
  #budget?: string
  /** The sticky comment read before packing (./lastHandoff), reused when it is the one shown. */
  #early?: StickyComment
  /** What that comment remembered handing off. */
  #earlyLast?: HandedOff
  readonly #o: ReporterOptions

  constructor(o: ReporterOptions) {
    this.#o = o
    this.state = o.state
  }

  /** From now on the report is also shown in this PR comment. */
  commentOn(sticky: StickyComment): void {
    this.#sticky = sticky
  }

  /** From now on the session is also shown by this check run. */
  checkOn(check: CheckRun): void {
    this.#check = check
  }

  /**
   * Sets up what will show the run (the sticky comment, the check run) as the inputs ask; true
   * when anything will, so the session joins the live index that `mode: sync` reads.
   */
  async showOn(
    gh: () => Promise<GitHubApi>,
    inputs: Inputs,
    target: Target,
    route?: Route
  ): Promise<boolean> {
    // An answer is shown where the question was: on the comment of the session that asked.
    const key = route?.kind === 'answer' ? route.key : inputs.commentKey
    const comment = wantsComment(inputs, target) ? target.pr?.number : undefined
    const check = wantsCheck(inputs, target)
    if (comment === undefined && !check) return false
    const api = await gh()
    if (key !== inputs.commentKey) this.state.showsKey(key)
    if (comment !== undefined) {
      const early = this.#early
      const sticky = early?.key === key ? early : new StickyComment(api, comment, key)
      this.commentOn(sticky)
      // What the comment shown remembers handing off stays remembered until this run hands off
      // a change: an answer sends none, and it may be shown on another key's comment.
      const last =
        sticky === early
          ? this.#earlyLast
          : route?.kind === 'answer'
            ? await this.#readLast(sticky)
            : undefined
      if (last) this.state.handedOffBefore(last)
    }
    if (check)
      this.checkOn(
        new CheckRun(api, { name: checkName(key, this.state.report.mode), headSha: target.headSha })
      )
    return true
  }

  /**
   * What this key's sticky comment remembers handing off, read before packing so that a
   * follow-up to the same session needs only the commits since (`incremental` with
   * `reuse-session`). Undefined when that does not apply or nothing was; a failed read means the
   * whole change goes, with a warning.
   */
  lastHandoff(o: {
    github: () => Promise<GitHubApi>
    inputs: Inputs
    target: Target
    trigger: Pick<Trigger, 'forceNew'>
  }): Promise<HandedOff | undefined> {
    const { inputs, target } = o
    const pr = target.pr?.number
    const applies = inputs.incremental && inputs.reuseSession && !o.trigger.forceNew && !target.ci
    if (!applies || pr === undefined || !wantsComment(inputs, target))
      return Promise.resolve(undefined)
    return (async () => {
      this.#early = new StickyComment(await o.github(), pr, inputs.commentKey)
      this.#earlyLast = await this.#readLast(this.#early)
      return this.#earlyLast
    })()
  }

  /** The hidden state's last handoff, when the comment is this repository's and PR's. */
  async #readLast(sticky: StickyComment): Promise<HandedOff | undefined> {
    try {
      const body = await sticky.current()
      const r = body === undefined ? undefined : decodeState(body)
      const mine = r?.slug === this.state.report.slug && r.prNumber === sticky.issue
      return mine ? r.handedOff : undefined
    } catch (err) {
      this.#o.log.warning(
        `Could not read the sticky comment (${this.#o.scrub(githubErrorMessage(err))}); the whole change is sent.`
      )
      return undefined
    }
  }

  /** Where the session is shown now: the ids a `mode: sync` run writes to. */
  get shown(): Shown {
    return {
      commentId: this.state.report.commentUrl ? this.#sticky?.commentId : undefined,
      checkId: this.#check?.checkId
    }
  }

  /** Records on the session what its comment and check run show (./tracking.ts). */
  recordOn(devin: TagWriter, orgId: string, tags: readonly string[]): Promise<void> {
    const { report } = this.state
    return recordShown({
      devin,
      orgId,
      slug: report.slug,
      report,
      tags,
      shown: this.shown,
      log: this.#o.log
    })
  }

  /**
   * Writes the comment as the run stands, once any write in flight is done (two at once could
   * both create it). Failures (read-only tokens, forks) warn once.
   */
  publish(): Promise<void> {
    const next = this.#writes.then(() => this.#write())
    this.#writes = next.catch(() => undefined)
    return next
  }

  async #write(): Promise<void> {
    // A review's comment is where a later sync learns its check run's id: a new one goes first.
    const checkFirst = this.state.report.mode === 'review' && this.#check?.checkId === undefined
    this.state.touch()
    if (checkFirst) await this.#writeCheck()
    if (this.#sticky) await this.#writeComment(this.#sticky)
    if (!checkFirst) await this.#writeCheck()
    // At the end, finish() saves the final state itself.
    if (!this.#finished) this.saveState(false)
  }

  /** A failure (read-only tokens, forks) warns once; the run goes on. */
  async #writeComment(sticky: StickyComment): Promise<void> {
    try {
      const res = await sticky.write(commentBody(await this.#commentText(sticky), this.#o.scrub))
      this.state.commentWritten(res.url)
      if (res.deletedDuplicates > 0)
        this.#o.log.info(`Deleted ${res.deletedDuplicates} duplicate sticky comment(s)`)
    } catch (err) {
      if (!this.#commentWarned) {
        const status = (err as { status?: unknown }).status
        // A 404 is a pull request or comment that is gone (a deleted comment is recreated).
        const hint =
          status === 403
            ? " The token needs 'pull-requests: write' (and 'issues: write'); fork PRs get a read-only token."
            : ''
        this.#o.log.warning(
          `Could not write the PR comment: ${this.#o.scrub(githubErrorMessage(err))}.${hint}`
        )
        this.#commentWarned = true
      }
    }
  }

  async #commentText(sticky: StickyComment): Promise<string> {
    const { links, scrub } = this.#o
    if (this.#budget === undefined) return renderComment(this.state.report, links, scrub)
    const existing = await sticky.current()
    return renderBudgetComment({
      existing,
      skipped: this.state.report,
      reason: this.#budget,
      links,
      scrub
    })
  }

  /**
   * The check run, once there is a session to show. A refusal ends check writes with one notice;
   * any other failure warns once and the next write tries again, so the final write can still
   * complete a run a passing fault left in progress.
   */
  async #writeCheck(): Promise<void> {
    const shows = this.#checkShows()
    if (!this.#check || this.#checkRefused || !shows) return
    const text = renderCheck(this.state.report, this.#o.links)
    try {
      const res = await this.#check.write({
        ...text,
        summary: commentBody(text.summary, this.#o.scrub),
        ...shows
      })
      this.state.checkWritten(res.url, res.id)
    } catch (err) {
      if (err instanceof ChecksRefused) {
        this.#checkRefused = true
        this.#o.log.notice(this.#o.scrub(err.message))
      } else if (!this.#checkWarned) {
        this.#checkWarned = true
        this.#o.log.warning(
          `Could not write the check run: ${this.#o.scrub(githubErrorMessage(err))}; the comment and outputs still show the session.`
        )
      }
    }
  }

  /**
   * What the check run links and is known by: the session; for a review, which has no page of
   * its own, the pull request where its findings appear. Nothing before there is one.
   */
  #checkShows(): { detailsUrl?: string; externalId: string } | undefined {
    const { session, review } = this.state.report
    if (session)
      return { detailsUrl: safeUrl(session.url, this.#o.links.devin), externalId: session.id }
    if (!review || review.status === 'requested') return undefined
    const detailsUrl = safeUrl(review.prUrl, [this.#o.links.github])
    return { detailsUrl, externalId: `devin-review:${review.commitSha}` }
  }

  /** What the post step needs if this process does not get to finish. */
  saveState(final: boolean): void {
    if (this.#o.post) return
    const sticky = this.#sticky
    const check = this.#check
    const state: SavedState = {
      final,
      comment: sticky && { issue: sticky.issue, id: sticky.commentId, url: sticky.commentUrl },
      check: check && { ...check.target, id: check.checkId, url: check.checkUrl },
      orgId: this.state.orgId,
      stopOnCancel: this.#o.stopOnCancel,
      terminated: this.state.terminated,
      report: this.state.snapshot()
    }
    saveStepState(STATE_KEY, JSON.stringify(state), this.#o.scrub)
  }

  /**
   * Fails the step when `fail-on` names the result the run ended with; an end it could have named
   * but does not gets a notice instead, so that it is seen.
   */
  failIfAsked(failOn: FailOn[]): void {
    const failure = failureFor(this.state.report, failOn)
    if (failure) return failStep(failure, this.#o.scrub)
    const notice = noticeFor(this.state.report, failOn)
    if (notice) this.#o.log.notice(notice)
  }

  /** A run that hands nothing off: a notice that says why, and the report. */
  async skip(reason: string): Promise<void> {
    this.state.skipped(reason)
    this.#o.log.notice(
      this.state.report.mode === 'review'
        ? `Devin Review skipped: ${reason}`
        : `Devin handoff skipped: ${reason}`
    )
    await this.finish()
  }

  /**
   * A budget was reached (src/session/budget.ts): a skip like any other, except that the comment
   * of this key keeps showing the session the budget went to, with a line that says why this run
   * sent nothing (./budget.ts).
   */
  budgetReached(reason: string): Promise<void> {
    this.#budget = reason
    return this.skip(reason)
  }

  /** A dry run: the prompt in the log (folded) and in the summary; nothing was sent. */
  async dryRun({ prompt, bytes }: { prompt: string; bytes: number }): Promise<void> {
    const what = this.state.report.mode === 'review' ? 'Review request' : 'Prompt'
    this.#o.log.block(`${what} (${bytes} bytes, dry run: nothing sent)`, prompt)
    this.state.dryRun()
    await this.finish(prompt)
  }

  /**
   * The end: outputs (first, so a comment write cut short by cancellation cannot lose them; the
   * comment's URL follows once known), the comment, the job summary, the final state. Once only:
   * a second call (a cancel during the final write) waits for the first.
   */
  finish(prompt?: string): Promise<void> {
    this.#finishing ??= this.#finish(prompt)
    return this.#finishing
  }

  async #finish(prompt?: string): Promise<void> {
    this.#finished = true
    this.state.touch()
    // The ended state is saved before the final write: a post step after a write cut short
    // finishes from the end, and never decides the session's fate again as if still waiting.
    this.saveState(false)
    const post = this.#o.post === true
    if (!post) {
      const { 'comment-url': _c, 'check-run-url': _r, ...outputs } = outputsOf(this.state.report)
      setOutputs(outputs, this.#o.scrub)
    }
    await this.publish()
    // Known once the final write is back: a comment or check run may be made by that write.
    if (!post) {
      const { commentUrl, checkRunUrl } = this.state.report
      setOutputs(
        { 'comment-url': commentUrl ?? '', 'check-run-url': checkRunUrl ?? '' },
        this.#o.scrub
      )
    }
    try {
      await writeSummary(renderSummary(this.state.report, this.#o.links, prompt), this.#o.scrub)
    } catch (err) {
      this.#o.log.warning(`Could not write the job summary: ${(err as Error).message}`)
    }
    this.saveState(true)
  }
}
