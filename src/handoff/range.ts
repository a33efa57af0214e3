/**
 * Finding the commits to diff, fetching missing ones from `origin` when the checkout is shallow
 * (objects only: no ref is written and nothing is checked out).
 */
import { scrubUrls } from '../hygiene/scrub.js'
import { git, gitText, type GitResult } from './git.js'

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i
/** A full object id (also keeps anything option-like away from `git fetch`). */
export const isSha = (s: string): boolean => SHA.test(s) && !/^0+$/.test(s)
export const short = (sha: string): string => sha.slice(0, 7)

/** The repository's top level, or why git cannot read the workspace (not a repo, ownership…). */
export async function topLevel(cwd: string): Promise<{ top: string } | { error: string }> {
  const r = await git(cwd, ['rev-parse', '--show-toplevel']).catch((err: unknown) => err as Error)
  if (r instanceof Error) return { error: `git cannot be run (${r.message})` }
  if (r.code === 0) return { top: r.stdout.toString('utf8').replace(/\n$/, '') }
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

export async function hasCommit(cwd: string, sha: string): Promise<boolean> {
  return (await git(cwd, ['cat-file', '-e', `${sha}^{commit}`])).code === 0
}

/** Parents as recorded in the commit object: known even at a shallow boundary. */
export async function commitParents(cwd: string, rev: string): Promise<string[]> {
  const r = await git(cwd, ['cat-file', 'commit', rev])
  if (r.code !== 0) return []
  const head = r.stdout.toString('latin1').split('\n\n')[0] ?? ''
  return [...head.matchAll(/^parent ([0-9a-f]+)$/gm)].map((m) => m[1] ?? '')
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
  return git(cwd, [...args, 'origin', ...shas.filter(isSha)], { timeoutMs: FETCH_TIMEOUT_MS })
}

async function mergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  const r = await git(cwd, ['merge-base', a, b])
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined
}

// Git's first `fatal:`/`error:` line says what went wrong; the lines after it are often advice
// ("Please make sure you have the correct access rights / and the repository exists.").
const gitReason = (r: GitResult): string => {
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

/**
 * The commits to diff for "base...head" in a checkout made by actions/checkout (depth 1 by
 * default). `head` empty means HEAD. Fetches what is missing from origin, progressively deeper.
 */
export async function resolveRange(
  cwd: string,
  base: string,
  head: string,
  log: (m: string) => void
): Promise<Range> {
  if (!isSha(base)) return { error: `the base '${base}' is not a commit id` }
  const headRev = (await git(cwd, ['rev-parse', '--verify', '-q', 'HEAD^{commit}'])).stdout
    .toString()
    .trim()
  const to = head || headRev
  if (!isSha(to)) return { error: 'no head commit (HEAD is unborn and no head SHA was given)' }
  const shallow =
    (await gitText(cwd, ['rev-parse', '--is-shallow-repository']).catch(() => '')) === 'true'
  const depth = (n: number): number | undefined => (shallow ? n : undefined)

  // A pull_request checkout sits on GitHub's merge commit M (parents: base tip, PR head). Diffing
  // M^1..M shows exactly what the PR changes on top of its base, like base...head, but it needs
  // one extra commit at depth 1 instead of history back to the fork point (which can be thousands
  // of commits), and it measures the tree CI checked out, the same tree the uncommitted section
  // is measured against. Used only when M^1 is the requested base; a different base (the event's
  // base moved on, or the user set base-ref) goes the general way below.
  if (headRev && headRev !== to) {
    const parents = await commitParents(cwd, headRev)
    if (parents.length === 2 && parents[1] === to && parents[0] === base) {
      let present = await hasCommit(cwd, base)
      if (!present) {
        log(`Fetching the base commit ${short(base)} from origin`)
        await fetchCommits(cwd, [base], depth(1))
        present = await hasCommit(cwd, base)
      }
      if (present) {
        const note = `git diff ${short(base)}...${short(to)}, read as HEAD^1..HEAD on the merge commit ${short(headRev)} that actions/checkout checked out (same changes as base...head; line numbers are those of the merge result)`
        return { from: base, to: headRev, note }
      }
    }
  }

  const missing = []
  for (const sha of new Set([base, to])) if (!(await hasCommit(cwd, sha))) missing.push(sha)
  if (missing.length > 0) {
    log(`Fetching ${missing.map(short).join(', ')} from origin`)
    const r = await fetchCommits(cwd, missing, depth(1))
    for (const sha of missing) {
      if (!(await hasCommit(cwd, sha))) {
        return {
          error: `commit ${short(sha)} is not in the checkout and could not be fetched from origin (${gitReason(r)})`
        }
      }
    }
  }
  let mb = await mergeBase(cwd, base, to)
  for (const n of DEPTHS) {
    if (mb || !shallow) break
    log(`Deepening the shallow checkout to ${n} commits to find the merge base`)
    const r = await fetchCommits(cwd, [base, to], n)
    if (r.code !== 0)
      return { error: `could not deepen the checkout from origin (${gitReason(r)})` }
    mb = await mergeBase(cwd, base, to)
  }
  if (!mb) {
    const within = shallow ? `${DEPTHS[DEPTHS.length - 1]} commits` : 'the history'
    return { error: `no merge base of ${short(base)} and ${short(to)} within ${within}` }
  }
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
  const listed = await git(cwd, ['ls-remote', '--quiet', 'origin', ...remote], {
    timeoutMs: FETCH_TIMEOUT_MS
  })
  let remoteWhy = gitReason(listed)
  if (listed.code === 0) {
    const refs = new Map<string, string>()
    for (const line of listed.stdout.toString('utf8').split('\n')) {
      const [sha = '', name = ''] = line.split('\t')
      if (isSha(sha)) refs.set(name, sha)
    }
    // An annotated tag is listed twice; its `^{}` entry is the commit.
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
