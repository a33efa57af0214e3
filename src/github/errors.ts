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
