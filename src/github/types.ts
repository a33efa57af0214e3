/** The GitHub shapes the action reads, as far as it reads them. */

export interface IssueComment {
  id: number
  body?: string
  html_url: string
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
