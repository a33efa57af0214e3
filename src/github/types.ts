/** The GitHub shapes the action reads, as far as it reads them. */

export interface IssueComment {
  id: number
  body?: string
  html_url: string
  /** The API URL of its issue or PR (`…/repos/o/r/issues/7`), which names the number it is on. */
  issue_url?: string
  created_at: string
  updated_at?: string
  user: { login: string; type?: string } | null
  /** The GitHub App whose token wrote the comment; null when a person's token did. */
  performed_via_github_app?: { id?: number; slug?: string } | null
}

export interface PullRequestPayload {
  number?: number
  html_url?: string
  title?: string
  body?: string | null
  draft?: boolean
  user?: { login?: string; type?: string }
  head?: { ref?: string; sha?: string; repo?: { full_name?: string; fork?: boolean } | null }
  base?: { ref?: string; sha?: string; repo?: { full_name?: string } }
}

/** One row of `pulls/{n}/files`, as the packer's API fallback reads it. */
export interface PullFile {
  filename: string
  status: string
  additions: number
  deletions: number
  changes: number
  patch?: string
  previous_filename?: string
}

/** Repository permissions, least first. */
export const PERMISSIONS = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const
export type Permission = (typeof PERMISSIONS)[number]

export function permissionAtLeast(have: Permission, need: Permission): boolean {
  return PERMISSIONS.indexOf(have) >= PERMISSIONS.indexOf(need)
}

/** How a check run ended, as GitHub takes it from an App (`stale` is GitHub's own). */
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'action_required' | 'skipped'

export type CheckStatus = 'queued' | 'in_progress' | 'completed'

/** The body of a check run update: every field optional; a `conclusion` completes the run. */
export interface CheckRunRequest {
  name?: string
  status?: CheckStatus
  conclusion?: CheckConclusion
  details_url?: string
  external_id?: string
  started_at?: string
  completed_at?: string
  /** GitHub wants both `title` and `summary` whenever `output` is sent. */
  output?: { title: string; summary: string; text?: string }
}

/** The body of a check run create: the update's fields plus the name and the commit. */
export interface CheckRunCreate extends CheckRunRequest {
  name: string
  head_sha: string
}

/** A check run, as far as the action reads it. */
export interface CheckRunPayload {
  id: number
  name: string
  head_sha: string
  html_url: string | null
  status: string
  conclusion: string | null
  external_id: string | null
  details_url: string | null
  output?: { title: string | null; summary: string | null }
  /** The App that created the run: the only one that may update it. */
  app?: { id?: number; slug?: string } | null
}
