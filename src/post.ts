/**
 * The `post:` step (runs with `post-if: always()`): the backstop for a main step that was cancelled
 * or killed before it could finalize. It finalizes the sticky comment as cancelled and, with
 * `stop-on-cancel`, terminates the session if the main step had not.
 *
 * Nearly every run has nothing to do here, and this is a separate bundle, so it stays tiny: the
 * state is read straight from the environment, and the two requests it may make use Node's own
 * `fetch` rather than Octokit, undici or `@actions/core`.
 */
import { appendFile } from 'node:fs/promises'
import { EOL } from 'node:os'
import type { DevinClient } from './devin/client.js'
import {
  DevinApiError,
  errorDetailFromBody,
  normalizeSessionId,
  parseSession,
  scrubSecret
} from './devin/types.js'
import { withMarker } from './github/sticky-comment.js'
import { renderComment, renderSummary } from './report/render.js'
import { toView } from './session/start.js'
import { cancelNote, errorText, stopSession, type StopOutcome } from './lifecycle/signals.js'
import { parseState, STATE_KEY, type SavedState } from './state/saved.js'
import { scrub } from './hygiene/scrub.js'

const USER_AGENT = 'devin-handoff-action'

function input(name: string): string {
  return (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim()
}

function command(name: string, message: string): void {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
  process.stdout.write(`::${name}::${data}${EOL}`)
}

/** `DELETE /v3/organizations/{org}/sessions/{id}`, failing the way DevinClient fails. */
export function fetchTerminator(
  apiUrl: string,
  apiKey: string
): Pick<DevinClient, 'terminateSession'> {
  const base = apiUrl.replace(/\/+$/, '')
  return {
    async terminateSession(orgId, sessionId) {
      const path = `/v3/organizations/${encodeURIComponent(orgId)}/sessions/${encodeURIComponent(normalizeSessionId(sessionId))}`
      const res = await fetch(`${base}${path}`, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'application/json',
          'user-agent': USER_AGENT
        },
        signal: AbortSignal.timeout(10_000)
      })
      const text = await res.text()
      if (!res.ok) {
        const detail = scrubSecret(apiKey, errorDetailFromBody(text))
        const message = `Devin API DELETE ${path} failed: ${res.status}${detail ? `: ${detail}` : ''}`
        throw new DevinApiError(message, { status: res.status, detail, method: 'DELETE', path })
      }
      try {
        return parseSession(JSON.parse(text))
      } catch {
        return undefined
      }
    }
  }
}

async function patchComment(id: number, body: string, token: string): Promise<string> {
  const api = (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '')
  const repo = process.env.GITHUB_REPOSITORY ?? ''
  const res = await fetch(`${api}/repos/${repo}/issues/comments/${id}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.github+json',
      'content-type': 'application/json',
      'x-github-api-version': '2022-11-28',
      'user-agent': USER_AGENT
    },
    body: JSON.stringify({ body }),
    signal: AbortSignal.timeout(15_000)
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`GitHub answered ${res.status}: ${errorDetailFromBody(text)}`)
  return (JSON.parse(text) as { html_url?: string }).html_url ?? ''
}

export async function finalizeInterrupted(state: SavedState): Promise<void> {
  const apiKey = input('api-key')
  const token = input('github-token')
  const secrets = [apiKey, token].filter((s) => s !== '')
  for (const s of secrets) command('add-mask', s)
  const report = state.report
  const session = report.session
  const stillWaiting = report.result === undefined
  let outcome: StopOutcome = { kind: stillWaiting ? 'kept' : 'ended' }
  if (state.terminated) outcome = { kind: 'stopped' }
  else if (stillWaiting && session && state.stopOnCancel && state.orgId && apiKey) {
    const devin = fetchTerminator(input('api-url') || 'https://api.devin.ai', apiKey)
    const stopped = await stopSession(devin, state.orgId, session.id, 15_000)
    outcome = stopped.outcome
    if (outcome.kind === 'failed')
      outcome = { kind: 'failed', reason: scrub(outcome.reason, secrets) }
    if (stopped.session) report.session = toView(stopped.session)
    console.log(
      outcome.kind === 'stopped'
        ? `Stopped the Devin session ${session.id} (stop-on-cancel).`
        : cancelNote(outcome)
    )
  }
  report.cancelled = stillWaiting
  report.note = cancelNote(
    outcome,
    'The job ended before the action could finish (cancelled or timed out)'
  )
  report.updatedAt = Date.now()
  report.timeline.push({ at: report.updatedAt, text: 'finalized by the post step' })
  if (report.wait) report.wait.endedAt ??= report.updatedAt
  if (state.commentId !== undefined && token) {
    try {
      const url = await patchComment(
        state.commentId,
        withMarker(report.commentKey, renderComment(report)),
        token
      )
      console.log(`Finalized the Devin handoff comment: ${url}`)
    } catch (err) {
      command('warning', `Could not finalize the PR comment: ${scrub(errorText(err), secrets)}`)
    }
  }
  const summary = process.env.GITHUB_STEP_SUMMARY
  if (summary) await appendFile(summary, `${renderSummary(report)}${EOL}`).catch(() => undefined)
}

const state = parseState(process.env[`STATE_${STATE_KEY}`] ?? '')
if (state && !state.final) await finalizeInterrupted(state)
