/**
 * The PR-update helpers (test/helpers/pr-updates.ts) leave origin, the workspace and the GitHub
 * emulator the way GitHub and actions/checkout@v4 would after a push, a force-push or a comment:
 * the later e2e runs are only as real as this.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runGit } from '../../helpers/checkout.ts'
import { commentOnPr, prRefs, pushToPr } from '../../helpers/pr-updates.ts'
import { GITHUB_TOKEN, prScenario, type PrScenario } from '../../helpers/scenario.ts'

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

const TESTS = { 'test/math.test.ts': 'import { mul } from "../src/math"\n' }

function gitOk(cwd: string, args: string[]): boolean {
  try {
    runGit(cwd, args)
    return true
  } catch {
    return false
  }
}

/** The facts of a workspace actions/checkout is known for (paths and SHAs aside). */
function layout(ws: string) {
  return {
    shallow: runGit(ws, ['rev-parse', '--is-shallow-repository']),
    detached: !gitOk(ws, ['symbolic-ref', '-q', 'HEAD']),
    refs: runGit(ws, ['for-each-ref', '--format=%(refname)']).split('\n'),
    config: runGit(ws, ['config', '--local', '--list']).split('\n').sort(),
    commits: runGit(ws, ['rev-list', '--count', 'HEAD']),
    clean: runGit(ws, ['status', '--porcelain'])
  }
}

const parents = (cwd: string, sha: string): string[] =>
  runGit(cwd, ['rev-list', '--parents', '-n', '1', sha]).split(' ').slice(1)

async function pullHead(sc: PrScenario): Promise<string> {
  const res = await fetch(`${sc.github.url}/repos/acme/widgets/pulls/7`, {
    headers: { authorization: `token ${GITHUB_TOKEN}` }
  })
  return ((await res.json()) as { head: { sha: string } }).head.sha
}

describe('pushToPr', () => {
  it('adds a commit to the head on origin and checks out the new merge as actions/checkout does', async () => {
    s = await prScenario()
    const c = s.checkout
    const push = pushToPr(s, TESTS)
    const ws = push.workspace
    expect(ws).not.toBe(c.workspace)
    expect(push.before).toBe(c.headSha)
    expect(push.forced).toBe(false)

    // Origin: the branch and GitHub's PR refs moved; the head descends from the old one.
    expect(prRefs(c)).toEqual({ headSha: push.headSha, mergeSha: push.mergeSha })
    expect(runGit(c.originDir, ['rev-parse', `refs/heads/${c.headRef}`])).toBe(push.headSha)
    expect(parents(c.originDir, push.headSha)).toEqual([c.headSha])
    expect(parents(c.originDir, push.mergeSha)).toEqual([c.baseSha, push.headSha])

    // The workspace: the merge commit alone, detached, shallow, laid out like the first run's.
    expect(runGit(ws, ['rev-parse', 'HEAD'])).toBe(push.mergeSha)
    expect(readFileSync(join(ws, '.git/shallow'), 'utf8').trim()).toBe(push.mergeSha)
    expect(gitOk(ws, ['cat-file', '-e', `${push.headSha}^{commit}`])).toBe(false)
    expect(gitOk(ws, ['cat-file', '-e', `${c.headSha}^{commit}`])).toBe(false)
    expect(layout(ws)).toEqual(layout(c.workspace))
    expect(layout(ws)).toMatchObject({ shallow: 'true', detached: true, commits: '1', clean: '' })
    expect(layout(ws).refs).toEqual(['refs/remotes/pull/7/merge'])
    expect(readFileSync(join(ws, 'test/math.test.ts'), 'utf8')).toContain('mul')
    expect(readFileSync(join(ws, 'src/math.ts'), 'utf8')).toContain('export function mul')

    // GitHub: the synchronize payload and the API's PR both name the new head.
    const pr = push.payload.pull_request as { head: { sha: string }; merge_commit_sha: string }
    expect(push.payload).toMatchObject({
      action: 'synchronize',
      before: c.headSha,
      after: push.headSha
    })
    expect(pr.head.sha).toBe(push.headSha)
    expect(pr.merge_commit_sha).toBe(push.mergeSha)
    expect(s.payload.pull_request).toMatchObject({ head: { sha: c.headSha } })
    expect(await pullHead(s)).toBe(push.headSha)
    expect(push.extra).toMatchObject({
      eventName: 'pull_request',
      workspace: ws,
      env: { GITHUB_SHA: push.mergeSha, GITHUB_ACTOR: 'alice' }
    })
  })

  it('pushes again on top of the last push', async () => {
    s = await prScenario()
    const first = pushToPr(s, TESTS)
    const second = pushToPr(s, { 'docs/mul.md': 'mul multiplies\n' })
    expect(second.before).toBe(first.headSha)
    expect(parents(s.checkout.originDir, second.headSha)).toEqual([first.headSha])
    expect(runGit(second.workspace, ['rev-parse', 'HEAD'])).toBe(second.mergeSha)
    expect(first.workspace).not.toBe(second.workspace)
  })

  it('force-pushes a rewritten head that does not descend from the old one', async () => {
    s = await prScenario({ checkout: { extraBaseCommits: [{ 'CHANGELOG.md': '- later\n' }] } })
    const c = s.checkout
    const push = pushToPr(
      s,
      { 'src/math.ts': 'export const mul = (a: number, b: number) => a * b\n' },
      {
        force: true
      }
    )
    expect(push.forced).toBe(true)
    expect(push.before).toBe(c.headSha)
    // A new commit on the base tip: the old head is in none of its history.
    expect(parents(c.originDir, push.headSha)).toEqual([c.baseSha])
    expect(gitOk(c.originDir, ['merge-base', '--is-ancestor', c.headSha, push.headSha])).toBe(false)
    expect(prRefs(c)).toEqual({ headSha: push.headSha, mergeSha: push.mergeSha })
    expect(parents(c.originDir, push.mergeSha)).toEqual([c.baseSha, push.headSha])
    expect(layout(push.workspace)).toEqual(layout(c.workspace))
    expect(readFileSync(join(push.workspace, 'src/math.ts'), 'utf8')).toContain('export const mul')
    expect(push.payload).toMatchObject({ before: c.headSha, after: push.headSha })
    expect(await pullHead(s)).toBe(push.headSha)
  })
})

describe('commentOnPr', () => {
  it('adds the comment on GitHub, names it in the payload, and checks out the default branch', async () => {
    s = await prScenario({ author: 'devin-ai-integration[bot]', actor: 'alice' })
    const c = s.checkout
    const ev = commentOnPr(s, '/devin use bigint', { login: 'alice' })
    const stored = s.github.comments.find((x) => x.id === ev.commentId)
    expect(stored).toMatchObject({ issue: 7, body: '/devin use bigint', login: 'alice' })
    expect(ev.eventName).toBe('issue_comment')
    expect(ev.payload).toMatchObject({
      action: 'created',
      issue: {
        number: 7,
        pull_request: expect.any(Object),
        user: { login: 'devin-ai-integration[bot]' }
      },
      comment: {
        id: ev.commentId,
        body: '/devin use bigint',
        user: { login: 'alice' },
        performed_via_github_app: null
      },
      sender: { login: 'alice' }
    })
    const ws = ev.extra.workspace ?? ''
    expect(runGit(ws, ['rev-parse', 'HEAD'])).toBe(c.baseSha)
    expect(runGit(ws, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main')
    expect(runGit(ws, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    expect(ev.extra.env).toMatchObject({ GITHUB_SHA: c.baseSha, GITHUB_ACTOR: 'alice' })
    // Another comment gets its own workspace, and `merge` checks out the PR's current merge.
    const again = commentOnPr(s, '/devin and docs', { checkout: 'merge' })
    expect(again.extra.workspace).not.toBe(ws)
    expect(runGit(again.extra.workspace ?? '', ['rev-parse', 'HEAD'])).toBe(c.mergeSha)
    expect(again.commentId).not.toBe(ev.commentId)
  })
})
