/**
 * The incremental handoff on real git checkouts laid out as actions/checkout leaves them: a
 * first handoff at the PR's head, then a push (or a force-push) and a fresh depth-1 checkout of
 * the new merge commit, as the next run gets it. Git processes are counted with the PATH shim.
 */
import { describe, expect, it } from 'vitest'
import { prepareHandoff, type Handoff } from '../../../src/handoff/prepare.ts'
import { packRun, type PackOptions } from '../../../src/handoff/pack.ts'
import { packIncrement } from '../../../src/handoff/since.ts'
import { buildPrompt } from '../../../src/handoff/prompt.ts'
import { readInputs } from '../../../src/run/inputs.ts'
import type { RunContext } from '../../../src/run/context.ts'
import type { Target } from '../../../src/run/target.ts'
import type { HandedOff } from '../../../src/state/report.ts'
import {
  makePullRequestCheckout,
  writeFiles,
  type Files,
  type PullRequestCheckout
} from '../../helpers/checkout.ts'
import { useGitCounter } from '../../helpers/git-counter-hooks.ts'
import { prWorkspace, pushPrHead } from '../../helpers/pr-updates.ts'
import { scratchSpace } from '../../helpers/scratch.ts'

const { track, scratch } = scratchSpace('since-test-')

const counter = useGitCounter()
const commands = counter.commands

// Assembled at run time so this file holds no token-shaped literal.
const token = (n: number): string =>
  ['gh', 'p_', Array.from({ length: 36 }, (_, i) => 'aB3dE6gH9k'[(i * n) % 10]).join('')].join('')

const BASE: Files = { 'a.txt': 'one\n', 'b.txt': 'bee\n' }
const FIRST: Files = { 'a.txt': 'one\ntwo\n', 'first-only.txt': 'in the first handoff\n' }

function targetOf(fx: PullRequestCheckout, p: { headSha: string }): Target {
  return {
    owner: 'o',
    repo: 'r',
    slug: 'o/r',
    eventName: 'pull_request',
    headRef: fx.headRef,
    headSha: p.headSha,
    baseRef: 'main',
    baseSha: fx.baseSha,
    pr: {
      number: fx.prNumber,
      url: 'https://github.com/o/r/pull/1',
      title: 'A change',
      body: 'Body',
      author: 'a',
      isFork: false,
      headRepo: 'o/r',
      draft: false
    }
  }
}

function ctxOf(workspace: string): RunContext {
  return {
    eventName: 'pull_request',
    payload: {},
    owner: 'o',
    repo: 'r',
    sha: '',
    ref: '',
    actor: 'a',
    triggeringActor: 'a',
    workspace,
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '',
    runAttempt: '1',
    runNumber: '1',
    workflow: 'w',
    job: 'j',
    runUrl: ''
  }
}

const logged: string[] = []
const log = {
  info: (m: string) => logged.push(m),
  debug: () => {},
  warning: (m: string) => logged.push(m)
}

async function handoff(
  workspace: string,
  target: Target,
  since: Promise<HandedOff | undefined> | undefined,
  values: Record<string, string> = {}
): Promise<Handoff> {
  const all: Record<string, string> = { 'api-key': 'cog_x', prompt: 'Review it', ...values }
  const inputs = await readInputs((name) => all[name] ?? '', workspace)
  return prepareHandoff({ inputs, ctx: ctxOf(workspace), target, since, log })
}

const last = (headSha: string): Promise<HandedOff> =>
  Promise.resolve({ sessionId: 'devin-0123abcd', headSha })

describe('a push after the last handoff', () => {
  it('sends only the new commit: its range, its files and its hunks, under the same task and PR', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n', 'second.txt': 'new in the push\n' }])
    const h = await handoff(p.workspace, targetOf(fx, p), last(fx.headSha))
    const s = h.sinceLast
    expect(s).toMatchObject({
      sessionId: 'devin-0123abcd',
      from: fx.headSha,
      incremental: true
    })
    expect(s?.why).toBeUndefined()
    const range = `${fx.headSha.slice(0, 7)}..${p.headSha.slice(0, 7)}`
    expect(s?.prompt).toContain(`## What changed since the last handoff (\`${range}\`)`)
    expect(s?.prompt).toContain(
      `You already have the change up to ${fx.headSha.slice(0, 7)}; these are only the commits pushed since.`
    )
    expect(s?.prompt).toContain('+three')
    expect(s?.prompt).toContain('second.txt')
    // The first handoff's change is not sent again; the whole prompt still has it.
    expect(s?.prompt).not.toContain('first-only.txt')
    expect(s?.prompt).not.toContain('+two')
    expect(h.prompt).toContain('first-only.txt')
    // Same task and PR sections as the whole prompt.
    expect(s?.prompt.startsWith('# Task\n\nReview it\n')).toBe(true)
    expect(s?.prompt).toContain('Pull request: #1')
    expect(s?.summary).toEqual({
      promptBytes: s?.bytes,
      files: 2,
      source: 'git',
      truncated: false,
      omitted: 0,
      redactions: 0,
      since: fx.headSha
    })
    expect(s?.bytes).toBe(Buffer.byteLength(s?.prompt ?? ''))
    expect(h.summary.files).toBe(3)
    expect(h.summary.since).toBeUndefined()
  })

  it('costs three git processes on a depth-1 checkout: one fetch, one cat-file, one diff', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    const target = targetOf(fx, p)
    counter.reset()
    await handoff(p.workspace, target, undefined)
    const whole = counter.started()
    // The same checkout as the next run gets it: the first run fetched the base into its own.
    const again = prWorkspace(fx, p.mergeSha)
    counter.reset()
    const h = await handoff(again, target, last(fx.headSha))
    const calls = counter.started()
    expect(h.sinceLast?.incremental).toBe(true)
    // The whole change's calls first, unchanged; then the increment's.
    expect(
      calls
        .slice(0, whole.length)
        .map((c) => c.command)
        .sort()
    ).toEqual(whole.map((c) => c.command).sort())
    const extra = calls.slice(whole.length)
    expect(extra.map((c) => c.command)).toEqual(['fetch', 'cat-file', 'diff'])
    expect(extra[0]?.args).toContain('--depth=1')
    expect(extra[0]?.args.slice(-2)).toEqual([fx.headSha, p.headSha])
  })

  it('a run with no last handoff, or none found, packs exactly as before', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    const target = targetOf(fx, p)
    counter.reset()
    const plain = await handoff(p.workspace, target, undefined)
    const before = commands().sort()
    const [second, third] = [prWorkspace(fx, p.mergeSha), prWorkspace(fx, p.mergeSha)]
    counter.reset()
    const none = await handoff(second, target, Promise.resolve(undefined))
    expect(commands().sort()).toEqual(before)
    counter.reset()
    const failed = await handoff(third, target, Promise.reject(new Error('lookup failed')))
    expect(commands().sort()).toEqual(before)
    for (const h of [plain, none, failed]) {
      expect(h).not.toHaveProperty('sinceLast')
      expect(h.prompt).toBe(plain.prompt)
    }
  })

  it('finds the last head two commits back by deepening the shallow checkout', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'c.txt': 'c\n' }, { 'd.txt': 'd\n' }])
    counter.reset()
    const h = await handoff(p.workspace, targetOf(fx, p), last(fx.headSha))
    expect(h.sinceLast?.incremental).toBe(true)
    expect(h.sinceLast?.summary.files).toBe(2)
    expect(h.sinceLast?.prompt).toContain('c.txt')
    expect(h.sinceLast?.prompt).toContain('d.txt')
    expect(h.sinceLast?.prompt).not.toContain('first-only.txt')
    const fetches = counter.started().filter((c) => c.command === 'fetch')
    expect(fetches.map((c) => c.args.find((a) => a.startsWith('--depth=')))).toEqual([
      '--depth=1', // the base commit, for the whole change
      '--depth=1', // the last head and the new one
      '--depth=50' // their history, until they meet
    ])
  })

  it('in a full clone asks git only for the last head and the diff', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST, shallow: false }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }], { shallow: false })
    const r = await packRun(optionsOf(p.workspace, targetOf(fx, p)))
    counter.reset()
    const inc = await packIncrement(r, optionsOf(p.workspace, targetOf(fx, p)), fx.headSha)
    expect(inc.incremental).toBe(true)
    expect(commands()).toEqual(['cat-file', 'diff'])
  })

  it('keeps the uncommitted work the whole change read, without reading it again', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    writeFiles(p.workspace, { 'notes.txt': 'work in progress\n' })
    const target = targetOf(fx, p)
    const r = await packRun(optionsOf(p.workspace, target))
    counter.reset()
    const inc = await packIncrement(r, optionsOf(p.workspace, target), fx.headSha)
    expect(commands()).toEqual(['fetch', 'cat-file', 'diff'])
    if (!inc.incremental) throw new Error(inc.why)
    expect(inc.change.files.map((f) => [f.path, f.section])).toEqual([
      ['a.txt', 'commits'],
      ['notes.txt', 'uncommitted']
    ])
    expect(inc.change.uncommittedText).toContain('+work in progress')
    expect(inc.change.sourceNote).toMatch(/^git diff [0-9a-f]{7}\.\.[0-9a-f]{7}: .*; uncommitted/)
  })

  it('cuts the increment to max-diff-bytes like the whole change, and says so', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const big = Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n') + '\n'
    const p = pushPrHead(fx, [{ 'small.txt': 'small\n', 'zbig.txt': big }])
    const h = await handoff(p.workspace, targetOf(fx, p), last(fx.headSha), {
      'max-diff-bytes': '1000'
    })
    const s = h.sinceLast
    expect(s?.summary).toMatchObject({ files: 2, truncated: true, omitted: 1 })
    expect(s?.prompt).toContain('+small')
    expect(s?.prompt).not.toContain('+line 399')
    expect(s?.prompt).toMatch(/zbig\.txt.*not shown: budget/)
  })

  it('counts the redactions of what it sends, not those of the first handoff', async () => {
    const fx = track(
      makePullRequestCheckout({ base: BASE, head: { 'old.txt': `token = ${token(3)}\n` } })
    )
    const p = pushPrHead(fx, [{ 'new.txt': `token = ${token(7)}\n` }])
    const h = await handoff(p.workspace, targetOf(fx, p), last(fx.headSha))
    expect(h.summary.redactions).toBe(2)
    expect(h.sinceLast?.summary.redactions).toBe(1)
    expect(h.sinceLast?.prompt).not.toContain(token(7))
    expect(h.sinceLast?.prompt).toContain('[REDACTED')
  })
})

function optionsOf(workspace: string, target: Target): PackOptions {
  return {
    workspace,
    target,
    includeDiff: true,
    includeUncommitted: true,
    maxDiffBytes: 100_000,
    excludePaths: [],
    secretScan: 'redact',
    log
  }
}

describe('when only the whole change will do', () => {
  it('a force-push: the whole change again, and the prompt says why first', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\nrewritten\n' }], { force: true })
    const h = await handoff(p.workspace, targetOf(fx, p), last(fx.headSha))
    const s = h.sinceLast
    const why = `the last handoff's head ${fx.headSha.slice(0, 7)} is no longer in this branch's history (force-push or rebase), so this is the whole change again`
    expect(s).toMatchObject({ incremental: false, from: fx.headSha, why })
    expect(s?.prompt).toBe(`Since the last handoff: ${why}.\n\n${h.prompt}`)
    expect(s?.summary).toEqual({ ...h.summary, promptBytes: s?.bytes })
    expect(s?.summary.since).toBeUndefined()
  })

  it('a last head origin does not have: the whole change again, with git’s reason', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    const gone = '1234567'.repeat(5) + '89abc'
    const h = await handoff(p.workspace, targetOf(fx, p), last(gone))
    expect(h.sinceLast?.incremental).toBe(false)
    expect(h.sinceLast?.why).toMatch(
      /^the last handoff's head 1234567 could not be fetched from origin \(.+; a force-push may have dropped it\), so this is the whole change again$/
    )
    expect(h.sinceLast?.prompt.endsWith(h.prompt)).toBe(true)
  })

  it('no git: the whole change again, and why', async () => {
    const dir = scratch()
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const target = targetOf(fx, fx)
    const h = await handoff(dir, target, last('a'.repeat(40)))
    expect(h.sinceLast?.incremental).toBe(false)
    expect(h.sinceLast?.why).toMatch(
      /^the last handoff's head aaaaaaa cannot be compared: the workspace is not a git repository/
    )
  })

  it.each([
    ['an option', '--upload-pack=touch /tmp/pwned'],
    ['a revision expression', 'HEAD~1'],
    ['a short id', 'abc1234'],
    ['an id with a line break', `${'a'.repeat(40)}\n--upload-pack=x`]
  ])('a last head that is %s never reaches git', async (_, headSha) => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    counter.reset()
    const h = await handoff(p.workspace, targetOf(fx, p), last(headSha))
    expect(h.sinceLast).toMatchObject({
      incremental: false,
      why: "the last handoff's head is not a commit id, so this is the whole change again"
    })
    const args = counter.calls().flatMap((c) => c.args)
    expect(args.some((a) => a.includes('upload-pack') || a.includes('HEAD~1'))).toBe(false)
    expect(args.some((a) => a.includes('abc1234'))).toBe(false)
  })
})

describe('nothing new since the last handoff', () => {
  it('says so, lists no commits, and asks git nothing more', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    const target = targetOf(fx, p)
    counter.reset()
    await handoff(p.workspace, target, undefined)
    const whole = commands().length
    const again = prWorkspace(fx, p.mergeSha)
    counter.reset()
    const h = await handoff(again, target, last(p.headSha))
    expect(commands()).toHaveLength(whole)
    const s = h.sinceLast
    expect(s).toMatchObject({ incremental: true, from: p.headSha })
    expect(s?.summary).toMatchObject({ files: 0, since: p.headSha })
    const id = p.headSha.slice(0, 7)
    expect(s?.prompt).toContain(`## What changed since the last handoff (\`${id}..${id}\`)`)
    expect(s?.prompt).toContain(
      `No new commits since the last handoff: you already have the change up to ${id}.`
    )
    expect(s?.prompt).toContain('No changed files.')
  })
})

describe('where sinceLast is not offered', () => {
  it('a target without a PR, or with include-diff off, gets none', async () => {
    const fx = track(makePullRequestCheckout({ base: BASE, head: FIRST }))
    const p = pushPrHead(fx, [{ 'a.txt': 'one\ntwo\nthree\n' }])
    const { pr: _pr, ...noPr } = targetOf(fx, p)
    expect(await handoff(p.workspace, noPr, last(fx.headSha))).not.toHaveProperty('sinceLast')
    const off = await handoff(p.workspace, targetOf(fx, p), last(fx.headSha), {
      'include-diff': 'false'
    })
    expect(off).not.toHaveProperty('sinceLast')
  })
})

describe('buildPrompt with `since`', () => {
  it('prints nothing of ids that are not hex', () => {
    const prompt = buildPrompt({
      task: 't',
      target: {
        owner: 'o',
        repo: 'r',
        slug: 'o/r',
        eventName: 'push',
        headRef: 'main',
        headSha: '',
        baseRef: '',
        baseSha: ''
      },
      since: { from: '`; rm -rf', to: 'b'.repeat(40) }
    })
    expect(prompt).toContain('## What changed since the last handoff (`(unknown)..bbbbbbb`)')
    expect(prompt).not.toContain('rm -rf')
  })
})
