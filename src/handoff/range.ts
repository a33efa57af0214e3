/**
 * Finding the commits to diff, fetching missing ones from `origin` when the checkout is shallow
 * (objects only: no ref is written and nothing is checked out).
 */
import { scrubUrls } from '../hygiene/scrub.js'
import { git, gitBounded, type GitResult } from './git.js'

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i
/** A full object id (also keeps anything option-like away from `git fetch`). */
export const isSha = (s: string): boolean => SHA.test(s) && !/^0+$/.test(s)
export const short = (sha: string): string => sha.slice(0, 7)

export interface Repo {
  top: string
  shallow: boolean
}

/**
 * The repository's top level and whether the checkout is shallow (one `rev-parse`), or why git
 * cannot read the workspace (not a repo, ownership…).
 */
export async function topLevel(cwd: string): Promise<Repo | { error: string }> {
  const r = await git(cwd, ['rev-parse', '--is-shallow-repository', '--show-toplevel']).catch(
    (err: unknown) => err as Error
  )
  if (r instanceof Error) return { error: `git cannot be run (${r.message})` }
  if (r.code === 0) {
    // The flag's answer first: the path may hold any byte, a line break included.
    const out = r.stdout.toString('utf8')
    const nl = out.indexOf('\n')
    return { top: out.slice(nl + 1).replace(/\n$/, ''), shallow: out.slice(0, nl) === 'true' }
  }
  const why = scrubUrls(r.stderr.trim().split('\n').pop() || `exit ${r.code}`)
  return { error: `the workspace is not a git repository that git can read (${why})` }
}

/**
 * Refreshes the index's stat data, as `git status` does. Right after a checkout the entries are
 * "racily clean": `git diff HEAD` would then read and compare every file's content (and write the
 * index anyway); refreshing first only hashes them, which is several times cheaper. If the index
 * is locked this quietly does nothing.
 */
export async function refreshIndex(cwd: string): Promise<void> {
  await git(cwd, ['update-index', '-q', '--refresh']).catch(() => undefined)
}

export interface Commit {
  sha: string
  /** As recorded in the commit object: known even at a shallow boundary. */
  parents: string[]
}
/** Revision name (`HEAD`, a commit id) → the commit, or undefined when it is not one here. */
export type Commits = Map<string, Commit | undefined>

// A name goes on one line of cat-file's input: nothing but `HEAD` and object ids.
const askable = (name: string): boolean => name === 'HEAD' || isSha(name)

function parseBatch(out: Buffer, names: string[]): Commits {
  const found: Commits = new Map()
  let pos = 0
  for (const name of names) {
    const nl = out.indexOf(10, pos)
    if (nl === -1) break
    const [sha = '', type = '', size = ''] = out.toString('latin1', pos, nl).split(' ')
    pos = nl + 1
    if (type !== 'commit' || !/^\d+$/.test(size)) {
      found.set(name, undefined) // `<name> missing` (or ambiguous)
      continue
    }
    const body = out.toString('latin1', pos, pos + Number(size))
    pos += Number(size) + 1
    const head = body.split('\n\n')[0] ?? ''
    const parents = [...head.matchAll(/^parent ([0-9a-f]+)$/gm)].map((m) => m[1] ?? '')
    found.set(name, { sha, parents })
  }
  return found
}

/**
 * Looks up revisions as commits, all with one `git cat-file --batch` (one process for every check
 * a run needs: HEAD and its parents, whether the base and head commits are here).
 */
export async function readCommits(cwd: string, names: string[]): Promise<Commits> {
  const asked = [...new Set(names)].filter(askable)
  const found: Commits = new Map(names.map((n) => [n, undefined]))
  if (asked.length === 0) return found
  // A few short lines: they fit the pipe's buffer, so git exiting early cannot break the write.
  const input = Buffer.from(asked.map((n) => `${n}^{commit}\n`).join(''))
  const r = await git(cwd, ['cat-file', '--batch'], { input }).catch(() => undefined)
  if (r?.code !== 0) return found
  for (const [name, commit] of parseBatch(r.stdout, asked)) found.set(name, commit)
  return found
}

export async function hasCommit(cwd: string, sha: string): Promise<boolean> {
  return (await readCommits(cwd, [sha])).get(sha) !== undefined
}

/** Parents as recorded in the commit object: known even at a shallow boundary. */
export async function commitParents(cwd: string, rev: string): Promise<string[]> {
  return (await readCommits(cwd, [rev])).get(rev)?.parents ?? []
}

const FETCH_TIMEOUT_MS = 120_000

/**
 * Fetches commits by id from origin (objects only: no ref, no FETCH_HEAD, no checkout). `depth`
 * only for shallow checkouts: it would turn a full clone into a shallow one.
 */
export async function fetchCommits(
  cwd: string,
  shas: string[],
  depth: number | undefined
): Promise<GitResult> {
  const args = ['fetch', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', '--quiet']
  if (depth !== undefined) args.push(`--depth=${depth}`)
  return gitBounded(cwd, [...args, 'origin', ...shas.filter(isSha)], {
    timeoutMs: FETCH_TIMEOUT_MS
  })
}

/** The best common ancestor of two commits (both must be ids: `isSha` keeps options away). */
export async function mergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  if (!isSha(a) || !isSha(b)) return undefined
  const r = await git(cwd, ['merge-base', a, b])
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined
}

// Git's first `fatal:`/`error:` line says what went wrong; the lines after it are often advice
// ("Please make sure you have the correct access rights / and the repository exists.").
export const gitReason = (r: GitResult): string => {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.pop() ?? `exit ${r.code}`
  return scrubUrls(line)
}

export type Range = { from: string; to: string; note: string } | { error: string }

// Deepening steps when the merge base is not in the shallow history yet. Bounded: a branch that
// forked more than a few thousand commits ago falls back to the API instead of cloning it all.
const DEPTHS = [50, 400, 3000]

/** How far `deepenUntil` looks: the deepest step of a shallow checkout, or all of a full one. */
export const searched = (shallow: boolean): string =>
  shallow ? `${DEPTHS[DEPTHS.length - 1]} commits` : 'the history'

/**
 * Asks `look`, and while it finds nothing in a shallow checkout, deepens the history behind
 * `tips` step by step (DEPTHS) and asks again. `found` undefined: nothing within `searched`.
 */
export async function deepenUntil<T>(
  cwd: string,
  o: { tips: string[]; shallow: boolean; why: string; log: (m: string) => void },
  look: () => Promise<T | undefined>
): Promise<{ found: T | undefined } | { error: string }> {
  let found = await look()
  for (const n of DEPTHS) {
    if (found !== undefined || !o.shallow) break
    o.log(`Deepening the shallow checkout to ${n} commits ${o.why}`)
    const r = await fetchCommits(cwd, o.tips, n)
    if (r.code !== 0)
      return { error: `could not deepen the checkout from origin (${gitReason(r)})` }
    found = await look()
  }
  return { found }
}

/**
 * What a caller already knows of the checkout (`topLevel`'s `shallow`, `readCommits` of `HEAD`,
 * the base and the head), so that no git process asks it again.
 */
export interface Known {
  shallow?: boolean
  commits?: Commits
}

/**
 * The commits to diff for "base...head" in a checkout made by actions/checkout (depth 1 by
 * default). `head` empty means HEAD. Fetches what is missing from origin, progressively deeper.
 */
export async function resolveRange(
  cwd: string,
  base: string,
  head: string,
  log: (m: string) => void,
  known: Known = {}
): Promise<Range> {
  if (!isSha(base)) return { error: `the base '${base}' is not a commit id` }
  const names = ['HEAD', base, ...(head ? [head] : [])]
  const commits: Commits = new Map(known.commits)
  const [asked, shallow] = await Promise.all([
    readCommits(
      cwd,
      names.filter((n) => !commits.has(n))
    ),
    known.shallow ??
      git(cwd, ['rev-parse', '--is-shallow-repository']).then(
        (r) => r.stdout.toString().trim() === 'true',
        () => false
      )
  ])
  for (const [name, commit] of asked) commits.set(name, commit)
  const headCommit = commits.get('HEAD')
  const headRev = headCommit?.sha ?? ''
  const to = head || headRev
  if (!isSha(to)) return { error: 'no head commit (HEAD is unborn and no head SHA was given)' }
  const depth = (n: number): number | undefined => (shallow ? n : undefined)
  const here = (sha: string): boolean => sha === headRev || commits.get(sha) !== undefined

  // A pull_request checkout sits on GitHub's merge commit M (parents: base tip, PR head). Diffing
  // M^1..M shows exactly what the PR changes on top of its base, like base...head, but it needs
  // one extra commit at depth 1 instead of history back to the fork point (which can be thousands
  // of commits), and it measures the tree CI checked out, the same tree the uncommitted section
  // is measured against. Used only when M^1 is the requested base; a different base (the event's
  // base moved on, or the user set base-ref) goes the general way below.
  if (headCommit && headRev !== to) {
    const parents = headCommit.parents
    if (parents.length === 2 && parents[1] === to && parents[0] === base) {
      let present = here(base)
      if (!present) {
        log(`Fetching the base commit ${short(base)} from origin`)
        // M^1 is a commit by construction: a fetch that succeeded brought it.
        const r = await fetchCommits(cwd, [base], depth(1))
        present = r.code === 0 || (await hasCommit(cwd, base))
      }
      if (present) {
        const note = `git diff ${short(base)}...${short(to)}, read as HEAD^1..HEAD on the merge commit ${short(headRev)} that actions/checkout checked out (same changes as base...head; line numbers are those of the merge result)`
        return { from: base, to: headRev, note }
      }
    }
  }

  const missing = [...new Set([base, to])].filter((sha) => !here(sha))
  if (missing.length > 0) {
    log(`Fetching ${missing.map(short).join(', ')} from origin`)
    const r = await fetchCommits(cwd, missing, depth(1))
    const fetched = await readCommits(cwd, missing)
    for (const sha of missing) {
      if (fetched.get(sha) === undefined) {
        return {
          error: `commit ${short(sha)} is not in the checkout and could not be fetched from origin (${gitReason(r)})`
        }
      }
    }
  }
  const why = 'to find the merge base'
  const deep = await deepenUntil(cwd, { tips: [base, to], shallow, why, log }, () =>
    mergeBase(cwd, base, to)
  )
  if ('error' in deep) return deep
  const mb = deep.found
  if (!mb)
    return { error: `no merge base of ${short(base)} and ${short(to)} within ${searched(shallow)}` }
  return { from: mb, to, note: `git diff ${short(base)}...${short(to)} (merge base ${short(mb)})` }
}

// A branch or tag name as the `base-ref` input or the event gives it: nothing option-like and no
// revision syntax (`~`, `^`, `:`, `..`), which also keeps it from being read as a git option.
// eslint-disable-next-line no-control-regex
const REF_NAME = /^(?!-)(?!.*\.\.)[^\s~^:?*[\\\x00-\x1f\x7f]+$/

/** Where to look for a ref name: on origin (full ref names), then in the checkout. */
export function refCandidates(ref: string): { remote: string[]; local: string[] } {
  if (ref.startsWith('refs/')) {
    const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1]
    return { remote: [ref], local: branch ? [`refs/remotes/origin/${branch}`, ref] : [ref] }
  }
  const remote = [`refs/heads/${ref}`, `refs/tags/${ref}`]
  // The remote-tracking branch first: in a CI checkout it is what was fetched, while a local
  // branch of the same name may be anything an earlier step left.
  return { remote, local: [`refs/remotes/origin/${ref}`, ...remote, ref] }
}

/**
 * The commit a base ref names (push to a new branch, `base-ref` on schedule, dispatch or a PR:
 * only the name is known). Origin's current value first, with `git ls-remote` (a depth-1 checkout
 * usually has no copy of the branch, or a stale one), else a ref already in the checkout (no
 * origin, or origin cannot be reached). Only the id is found here; `resolveRange` fetches the
 * commit with the rest of the range.
 */
export async function resolveBaseRef(
  cwd: string,
  ref: string,
  log: (m: string) => void
): Promise<{ sha: string; note: string } | { error: string }> {
  if (isSha(ref)) return { sha: ref.toLowerCase(), note: '' }
  if (!REF_NAME.test(ref)) return { error: `'${ref}' is not a branch or tag name` }
  const { remote, local } = refCandidates(ref)
  log(`Looking up the base '${ref}' on origin`)
  // ls-remote matches names exactly: an annotated tag's peeled `^{}` line (the commit) is listed
  // only when asked for by that name too.
  const peeled = remote.filter((n) => n.startsWith('refs/tags/')).map((n) => `${n}^{}`)
  const listed = await gitBounded(cwd, ['ls-remote', '--quiet', 'origin', ...remote, ...peeled], {
    timeoutMs: FETCH_TIMEOUT_MS
  })
  let remoteWhy = gitReason(listed)
  if (listed.code === 0) {
    const refs = new Map<string, string>()
    for (const line of listed.stdout.toString('utf8').split('\n')) {
      const [sha = '', name = ''] = line.split('\t')
      if (isSha(sha)) refs.set(name, sha)
    }
    // An annotated tag is listed twice; its `^{}` entry is the commit, not the tag object.
    for (const name of remote) {
      const sha = refs.get(`${name}^{}`) ?? refs.get(name)
      if (sha) return { sha, note: `the base '${ref}' is ${short(sha)} on origin` }
    }
    remoteWhy = 'no such branch or tag'
  }
  for (const name of local) {
    const r = await git(cwd, [
      'rev-parse',
      '--verify',
      '-q',
      '--end-of-options',
      `${name}^{commit}`
    ])
    const sha = r.stdout.toString('utf8').trim()
    if (r.code === 0 && isSha(sha)) {
      return {
        sha,
        note: `the base '${ref}' is ${short(sha)} (${name} in the checkout; not found on origin: ${remoteWhy})`
      }
    }
  }
  return { error: `'${ref}' is neither on origin (${remoteWhy}) nor in the checkout` }
}
