/**
 * One run of the action: the report it builds up and the places it is written to (outputs, job
 * summary, sticky comment, state for the post step). Steps mutate `report`; `finish` writes it.
 */
import * as core from '@actions/core'
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { Target } from '../run/target.js'
import { githubErrorMessage } from '../github/client.js'
import type { StickyComment } from '../github/sticky-comment.js'
import { outputsOf, renderComment, renderSummary, type Report } from './render.js'
import { STATE_KEY, type SavedState } from '../state/saved.js'
import { scrub } from '../hygiene/scrub.js'

export class Run {
  readonly report: Report
  sticky?: StickyComment
  commentWarned = false
  /** Set once the session exists, so the post step can reach it. */
  orgId?: string
  /** The session was terminated on cancel (stop-on-cancel); the post step must not repeat it. */
  terminated = false

  constructor(
    readonly ctx: RunContext,
    readonly inputs: Inputs,
    readonly secrets: string[]
  ) {
    const now = Date.now()
    this.report = {
      slug: `${ctx.owner}/${ctx.repo}`,
      startedAt: now,
      updatedAt: now,
      runUrl: ctx.runUrl,
      commentKey: inputs.commentKey,
      timeline: [],
      attachments: []
    }
  }

  wantsComment(target: Target): boolean {
    return !this.inputs.dryRun && this.inputs.comment !== 'false' && target.pr !== undefined
  }

  /** Comment failures (read-only tokens, fork PRs) warn; the handoff itself still counts. */
  async writeComment(): Promise<void> {
    if (!this.sticky) return
    this.report.updatedAt = Date.now()
    try {
      const res = await this.sticky.write(renderComment(this.report))
      this.report.commentUrl = res.url
      if (res.deletedDuplicates > 0)
        core.info(`Deleted ${res.deletedDuplicates} duplicate sticky comment(s)`)
      this.saveState(false)
    } catch (err) {
      if (!this.commentWarned) {
        const status = (err as { status?: unknown }).status
        const hint =
          status === 403 || status === 404
            ? " The token needs 'pull-requests: write' (and 'issues: write'); fork PRs get a read-only token."
            : ''
        core.warning(
          `Could not write the PR comment: ${scrub(githubErrorMessage(err), this.secrets)}.${hint}`
        )
        this.commentWarned = true
      }
    }
  }

  saveState(final: boolean): void {
    const state: SavedState = {
      final,
      commentId: this.sticky?.commentId,
      commentUrl: this.sticky?.commentUrl,
      issue: this.sticky?.issue,
      orgId: this.orgId,
      stopOnCancel: this.inputs.stopOnCancel,
      terminated: this.terminated,
      report: { ...this.report, timeline: this.report.timeline.slice(-30) }
    }
    core.saveState(STATE_KEY, JSON.stringify(state))
  }

  async finish(prompt?: string): Promise<void> {
    this.report.updatedAt = Date.now()
    // Outputs go first, so a comment write cut short by cancellation cannot lose them; the
    // comment's URL is known only once it is written.
    const { 'comment-url': _later, ...outputs } = outputsOf(this.report)
    for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v)
    await this.writeComment()
    core.setOutput('comment-url', this.report.commentUrl ?? '')
    try {
      await core.summary.addRaw(renderSummary(this.report, prompt)).write()
    } catch (err) {
      core.warning(`Could not write the job summary: ${(err as Error).message}`)
    }
    this.saveState(true)
  }

  async skip(reason: string): Promise<void> {
    this.report.result = 'skipped'
    this.report.skipReason = reason
    core.notice(`Devin handoff skipped: ${reason}`)
    await this.finish()
  }
}
