/**
 * Real git fixtures for end-to-end tests: a bare "origin" with a base branch and a PR branch
 * (plus GitHub's refs/pull/N/head and refs/pull/N/merge), and a workspace laid out exactly the way
 * actions/checkout@v4 leaves it by default (depth 1, detached on the merge commit for PRs).
 *
 * Git runs with fixed identities and dates (commit ids are deterministic) and without the
 * developer's global or system config.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** File contents by path; `null` deletes the file. `{ symlink }` / `{ executable }` set the mode. */
export type FileContent =
  string | Buffer | null | { symlink: string } | { executable: string | Buffer }
export type Files = Record<string, FileContent>

export const ZERO_SHA = '0'.repeat(40)

let tick = 0
function gitEnv(): NodeJS.ProcessEnv {
  // One second per commit from a fixed epoch: deterministic, and commits sort by date as made.
  const date = `${1_700_000_000 + tick++} +0000`
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_OBJECT_DIRECTORY',
    'GIT_COMMON_DIR'
  ])
    delete env[k]
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Fixture Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'Fixture Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0'
  }
}

/** Runs git in `cwd` and returns trimmed stdout (throws with stderr on failure). */
export function runGit(cwd: string, args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args],
    {
      cwd,
      env: gitEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024
    }
  ).trim()
}

/** Writes `files` into a work tree (null deletes) without touching the index. */
export function writeFiles(dir: string, files: Files): void {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path)
    rmSync(abs, { force: true })
    if (content === null) continue
    mkdirSync(dirname(abs), { recursive: true })
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      writeFileSync(abs, content)
    } else if ('symlink' in content) {
      symlinkSync(content.symlink, abs)
    } else {
      writeFileSync(abs, content.executable)
      chmodSync(abs, 0o755)
    }
  }
}

export function commitAll(
  dir: string,
  files: Files,
  message: string,
  renames: [string, string][] = []
): string {
  for (const [from, to] of renames) {
    mkdirSync(dirname(join(dir, to)), { recursive: true })
    runGit(dir, ['mv', '--', from, to])
  }
  writeFiles(dir, files)
  runGit(dir, ['add', '-A'])
  runGit(dir, ['commit', '-q', '--allow-empty', '-m', message])
  return runGit(dir, ['rev-parse', 'HEAD'])
}

export interface Fixture {
  /** Root of everything this fixture made (removed by `cleanup`). */
  root: string
  workspace: string
  originDir: string
  /** `file://` URL of the origin, as the workspace's `origin` remote. */
  originUrl: string
  cleanup(): void
}

function newRoot(): {
  root: string
  origin: string
  seed: string
  workspace: string
  cleanup(): void
} {
  const root = mkdtempSync(join(tmpdir(), 'devin-handoff-git-'))
  const origin = join(root, 'origin.git')
  const seed = join(root, 'seed')
  const workspace = join(root, 'workspace')
  mkdirSync(seed)
  mkdirSync(workspace)
  runGit(root, ['init', '-q', '--bare', origin])
  // GitHub serves any commit by id (the checkout fetches the merge commit by SHA).
  runGit(origin, ['config', 'uploadpack.allowAnySHA1InWant', 'true'])
  runGit(seed, ['init', '-q'])
  runGit(seed, ['remote', 'add', 'origin', `file://${origin}`])
  return {
    root,
    origin,
    seed,
    workspace,
    cleanup: () => rmSync(root, { recursive: true, force: true })
  }
}

/** `git init` + `remote add` + user config, as actions/checkout starts a workspace. */
export function initWorkspace(workspace: string, origin: string): void {
  runGit(workspace, ['init', '-q'])
  runGit(workspace, ['remote', 'add', 'origin', `file://${origin}`])
  runGit(workspace, ['config', '--local', 'gc.auto', '0'])
  runGit(workspace, ['config', '--local', 'user.name', 'github-actions[bot]'])
  runGit(workspace, [
    'config',
    '--local',
    'user.email',
    '41898282+github-actions[bot]@users.noreply.github.com'
  ])
}

export interface CheckoutOptions {
  /** Depth 1 as actions/checkout does by default (true), or full history. */
  shallow?: boolean
}

/** actions/checkout's fetch of one commit by id into `ref` (depth 1 unless `shallow: false`). */
function fetchCommit(ws: string, sha: string, ref: string, o: CheckoutOptions): void {
  const depth = o.shallow === false ? [] : ['--depth=1']
  runGit(ws, [
    '-c',
    'protocol.version=2',
    'fetch',
    '-q',
    '--no-tags',
    '--prune',
    '--no-recurse-submodules',
    ...depth,
    'origin',
    `+${sha}:${ref}`
  ])
}

/**
 * actions/checkout@v4 for a `pull_request` run in the empty directory `ws`: PR `prNumber`'s test
 * merge `mergeSha`, detached (with `shallow: false`, every branch of origin fetched first).
 */
export function checkoutMerge(
  ws: string,
  originDir: string,
  prNumber: number,
  mergeSha: string,
  o: CheckoutOptions = {}
): void {
  initWorkspace(ws, originDir)
  if (o.shallow === false) {
    runGit(ws, [
      'fetch',
      '-q',
      '--prune',
      '--no-recurse-submodules',
      'origin',
      '+refs/heads/*:refs/remotes/origin/*',
      '+refs/tags/*:refs/tags/*'
    ])
  }
  const ref = `refs/remotes/pull/${prNumber}/merge`
  fetchCommit(ws, mergeSha, ref, o)
  runGit(ws, ['checkout', '-q', '--progress', '--force', ref])
}

/**
 * actions/checkout@v4 for a run on a branch (push, issue_comment, pull_request_target, schedule,
 * workflow_dispatch) in the empty directory `ws`: `sha`, on `branch`.
 */
export function checkoutBranch(
  ws: string,
  originDir: string,
  sha: string,
  branch: string,
  o: CheckoutOptions = {}
): void {
  initWorkspace(ws, originDir)
  const ref = `refs/remotes/origin/${branch}`
  fetchCommit(ws, sha, ref, o)
  runGit(ws, ['checkout', '-q', '--progress', '--force', '-B', branch, ref])
}

export interface PullRequestCheckoutOptions {
  /** Files of the base branch (`main`) at the fork point. */
  base: Files
  /** Changes the PR head branch (`feature`) makes on top of the fork point. */
  head: Files
  /** Renames done with `git mv` in the head commit, before `head` is written. */
  renames?: [from: string, to: string][]
  prNumber?: number
  /** Depth-1 checkout as actions/checkout does by default (true), or full history. */
  shallow?: boolean
  /** Commits that land on `main` after the fork point (must not conflict with `head`). */
  extraBaseCommits?: Files[]
  /** Commits on `feature` before the final head commit. */
  extraHeadCommits?: Files[]
  /** The head branch's name (default `feature`). */
  headRef?: string
}

export interface PullRequestCheckout extends Fixture {
  baseSha: string
  headSha: string
  mergeSha: string
  forkPointSha: string
  headRef: string
  baseRef: string
  prNumber: number
}

/** GitHub's test merge of a PR, made in `seed`: first parent the base tip, second the PR head. */
export function testMerge(seed: string, baseSha: string, headSha: string): string {
  runGit(seed, ['checkout', '-q', '--detach', baseSha])
  runGit(seed, [
    'merge',
    '-q',
    '--no-ff',
    '--no-edit',
    '-m',
    `Merge ${headSha} into ${baseSha}`,
    headSha
  ])
  return runGit(seed, ['rev-parse', 'HEAD'])
}

/** A PR checkout as `actions/checkout@v4` makes it for a `pull_request` event. */
export function makePullRequestCheckout(opts: PullRequestCheckoutOptions): PullRequestCheckout {
  const { root, origin, seed, workspace, cleanup } = newRoot()
  const n = opts.prNumber ?? 1
  const headRef = opts.headRef ?? 'feature'
  const forkPointSha = commitAll(seed, opts.base, 'base')
  runGit(seed, ['checkout', '-q', '-b', headRef])
  for (const [i, files] of (opts.extraHeadCommits ?? []).entries())
    commitAll(seed, files, `feature ${i + 1}`)
  const headSha = commitAll(seed, opts.head, 'feature change', opts.renames)
  runGit(seed, ['checkout', '-q', 'main'])
  let baseSha = forkPointSha
  for (const [i, files] of (opts.extraBaseCommits ?? []).entries())
    baseSha = commitAll(seed, files, `main ${i + 1}`)
  const mergeSha = testMerge(seed, baseSha, headSha)
  runGit(seed, [
    'push',
    '-q',
    'origin',
    'main',
    headRef,
    `${headSha}:refs/pull/${n}/head`,
    `${mergeSha}:refs/pull/${n}/merge`
  ])

  checkoutMerge(workspace, origin, n, mergeSha, { shallow: opts.shallow })
  return {
    root,
    workspace,
    originDir: origin,
    originUrl: `file://${origin}`,
    cleanup,
    baseSha,
    headSha,
    mergeSha,
    forkPointSha,
    headRef,
    baseRef: 'main',
    prNumber: n
  }
}

export interface PushCheckoutOptions {
  /** Files of the first commit on the branch's base. */
  base: Files
  /** Commits of the push, oldest first. */
  commits: Files[]
  /** Pushed branch (default `main`). */
  branch?: string
  /** The push creates the branch: `before` is all zeros. */
  newBranch?: boolean
  /** The push rewrites history: `before` is a commit the new tip does not contain. */
  forcePush?: boolean
  shallow?: boolean
}

export interface PushCheckout extends Fixture {
  before: string
  after: string
  /** Last commit both sides share (the parent of the pushed commits). */
  forkPointSha: string
  branch: string
}

/** A branch checkout as actions/checkout@v4 makes it for a `push` event. */
export function makePushCheckout(opts: PushCheckoutOptions): PushCheckout {
  const { root, origin, seed, workspace, cleanup } = newRoot()
  const branch = opts.branch ?? 'main'
  const forkPointSha = commitAll(seed, opts.base, 'base')
  runGit(seed, ['push', '-q', 'origin', 'main'])
  if (branch !== 'main') runGit(seed, ['checkout', '-q', '-b', branch])
  let before = forkPointSha
  if (opts.forcePush) {
    before = commitAll(
      seed,
      { 'rewritten-away.txt': 'this commit is force-pushed away\n' },
      'old tip'
    )
    runGit(seed, ['push', '-q', 'origin', branch])
    runGit(seed, ['reset', '-q', '--hard', forkPointSha])
  }
  if (opts.newBranch) before = ZERO_SHA
  let after = forkPointSha
  for (const [i, files] of opts.commits.entries()) after = commitAll(seed, files, `push ${i + 1}`)
  runGit(seed, ['push', '-q', '--force', 'origin', branch])

  checkoutBranch(workspace, origin, after, branch, { shallow: opts.shallow })
  return {
    root,
    workspace,
    originDir: origin,
    originUrl: `file://${origin}`,
    cleanup,
    before,
    after,
    forkPointSha,
    branch
  }
}

export interface LocalRepo {
  workspace: string
  /** Commit ids, oldest first. */
  shas: string[]
  cleanup(): void
}

/** A plain repository with full history and no origin (each entry of `commits` is one commit). */
export function makeLocalRepo(commits: Files[]): LocalRepo {
  const root = mkdtempSync(join(tmpdir(), 'devin-handoff-git-'))
  const workspace = join(root, 'repo')
  mkdirSync(workspace)
  runGit(workspace, ['init', '-q'])
  runGit(workspace, ['config', '--local', 'user.name', 'Local User'])
  runGit(workspace, ['config', '--local', 'user.email', 'local@example.com'])
  const shas = commits.map((files, i) => commitAll(workspace, files, `commit ${i + 1}`))
  return { workspace, shas, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}
