/** GitHub's failures as people read them: the HTTP status, then Octokit's first message line. */

interface RequestErrorLike {
  status?: number
  message?: string
}

export function githubErrorMessage(err: unknown): string {
  const e = (err ?? {}) as RequestErrorLike
  const status = e.status ? `${e.status} ` : ''
  return `${status}${(typeof e.message === 'string' ? e.message : String(err)).split('\n')[0]}`
}

/** An error from Octokit (a request error with a numeric status), as opposed to anything else. */
export function isGitHubRequestError(err: unknown): boolean {
  const e = err as { status?: unknown; name?: unknown } | undefined
  return err instanceof Error && e?.name === 'HttpError' && typeof e.status === 'number'
}

/** The message a failed step ends with: GitHub's failures say so, with their status. */
export function describeFailure(err: unknown): string {
  if (isGitHubRequestError(err)) return `GitHub API request failed: ${githubErrorMessage(err)}`
  return err instanceof Error ? err.message : String(err)
}

/** An error's HTTP status, if it carries one. */
export const statusOf = (err: unknown): unknown => (err as { status?: unknown } | undefined)?.status

/**
 * Whether a write's outcome is unknown: no answer, a 5xx, or a timeout (Octokit reports network
 * failures and timeouts as 500). GitHub may have acted: look before writing again.
 */
export function outcomeUnknown(err: unknown): boolean {
  const status = statusOf(err)
  return typeof status !== 'number' || status >= 500
}
