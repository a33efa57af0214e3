/**
 * The packer's types: its options and result (public, re-exported by `pack.ts`), the error thrown
 * when secrets are found, and the state shared by the packer's modules during one run.
 */
import type { FileStatus, ListEntry, OmissionReason, Section } from './diff.js'
import type { PathReason } from './paths.js'
import type { Budget, SelectedFile } from './patch-select.js'
import type { PullFile } from '../github/types.js'
import type { Target } from '../run/target.js'
import type { Redaction, SecretScan } from '../hygiene/secret-screen.js'

export { SecretsFoundError, type Redaction } from '../hygiene/secret-screen.js'
export type { PullFile } from '../github/types.js'

export interface PackLog {
  info(m: string): void
  warning(m: string): void
  debug(m: string): void
}
export interface PackOptions {
  workspace: string
  /**
   * baseSha/baseRef/headSha from the target resolver. baseSha '' with a baseRef: the ref is looked
   * up (origin first); neither: no diff of commits.
   */
  target: Target
  includeDiff: boolean
  includeUncommitted: boolean
  maxDiffBytes: number
  /** User globs; added to the built-in secret-file excludes. */
  excludePaths: string[]
  secretScan: SecretScan
  /** API fallback (paginated pulls/{n}/files). */
  pullFiles?: () => AsyncIterable<PullFile>
  log?: PackLog
}
export interface ChangedFile {
  path: string
  oldPath?: string
  status: FileStatus
  additions: number
  deletions: number
  binary: boolean
  section: Section
}
export interface Omission {
  path: string
  section: Section
  reason: OmissionReason
  /** Hunks left out when the file is shown in part. */
  hunks?: number
}
export interface PackedChange {
  source: 'git' | 'api' | 'none'
  sourceNote: string
  /** The base commit looked up from `target.baseRef` when the target had no base SHA. */
  baseSha?: string
  /** Complete list, always. */
  files: ChangedFile[]
  /** Hunks of the committed change, within budget, file by file. */
  diffText: string
  /** Hunks of uncommitted work (same budget). */
  uncommittedText: string
  omissions: Omission[]
  /** Anything left out for budget. */
  truncated: boolean
  redactions: Redaction[]
  diffBytes: number
}

/** One file of one section, as it ends up: listed always, shown when `shown` has hunks. */
export interface FileState {
  entry: ListEntry
  section: Section
  reason?: OmissionReason
  shown?: SelectedFile
  /** What the screen redacted in its hunks. */
  redactions?: Redaction[]
}

/** What one packing run shares between its steps. */
export interface Ctx {
  opts: PackOptions
  log: PackLog
  budget: Budget
  classify: (key: string, oldKey?: string) => PathReason | undefined
}
