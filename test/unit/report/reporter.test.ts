import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { readCredentials } from '../../../src/credentials/read.ts'
import type { GitHubApi, IssueComment } from '../../../src/github/client.ts'
import { StickyComment } from '../../../src/github/sticky-comment.ts'
import { Reporter } from '../../../src/report/reporter.ts'
import { RunState } from '../../../src/state/run-state.ts'
import { parseState, type SavedState } from '../../../src/state/saved.ts'
import { seededRandom } from '../../helpers/fake-secrets.ts'
import { openLog } from '../../../src/egress/log.ts'
import { linkHosts } from '../../../src/egress/markdown.ts'
import { captureStdout } from '../../helpers/log.ts'

const rand = seededRandom(7)
const TOKEN = `ghs_${rand(36)}`
const KEY = `cog_${rand(40)}`
const credentials = readCredentials(
  (n) => ({ 'api-key': KEY, 'github-token': TOKEN })[n] ?? '',
  () => undefined
)
const scrub = (t: string): string => credentials.scrub(t)

// One directory for the whole file: @actions/core remembers the summary path once it found it.
let dir = ''
const file = (name: string): string => path.join(dir, name)

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reporter-test-'))
  process.env.GITHUB_OUTPUT = file('output')
  process.env.GITHUB_STATE = file('state')
  process.env.GITHUB_STEP_SUMMARY = file('summary')
})

beforeEach(async () => {
  for (const f of ['output', 'state', 'summary']) {
    await rm(file(f), { recursive: true, force: true })
    await writeFile(file(f), '')
  }
})

afterEach(() => {
  vi.restoreAllMocks()
  process.exitCode = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The key/value file commands (`name<<delimiter … delimiter`) in the order they were written. */
async function fileCommands(name: string): Promise<Array<[string, string]>> {
  const text = await readFile(file(name), 'utf8')
  const out: Array<[string, string]> = []
  const re = /^(.+?)<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\2\n/gm
  for (const m of text.matchAll(re)) out.push([m[1] ?? '', m[3] ?? ''])
  // Everything in the file must have been read.
  expect(text.replace(re, '')).toBe('')
  return out
}

async function savedStates(): Promise<SavedState[]> {
  return (await fileCommands('state')).map(([k, v]) => {
    expect(k).toBe('devin-handoff')
    const s = parseState(v)
    if (!s) throw new Error(`unparsable state: ${v}`)
    return s
  })
}

/** In-memory comments; `fail` makes every write throw. */
function fakeGitHub() {
  const comments: IssueComment[] = []
  const calls: string[] = []
  let fail: unknown
  const api: Partial<GitHubApi> = {
    whoAmI: async () => 'github-actions[bot]',
    async *listComments() {
      calls.push('list')
      yield* comments.map((c) => ({ ...c }))
    },
    async createComment(_issue, body) {
      calls.push('create')
      if (fail) throw fail
      const id = 500 + comments.length
      const c: IssueComment = {
        id,
        body,
        html_url: `https://github.com/octo/repo/pull/3#issuecomment-${id}`,
        created_at: '2024-01-01T00:00:00Z',
        user: { login: 'github-actions[bot]' }
      }
      comments.push(c)
      return { ...c }
    },
    async updateComment(id, body) {
      calls.push(`update ${id}`)
      if (fail) throw fail
      const c = comments.find((x) => x.id === id)
      if (!c) throw Object.assign(new Error('Not Found'), { status: 404 })
      c.body = body
      return { ...c }
    },
    async deleteComment() {
      calls.push('delete')
    }
  }
  return {
    api: api as GitHubApi,
    comments,
    calls,
    failWith: (e: unknown) => (fail = e)
  }
}

const clock = (): number => 1_700_000_000_000

function startedState(): RunState {
  const s = new RunState(
    { slug: 'octo/repo', runUrl: 'https://github.com/octo/repo/actions/runs/1', commentKey: 'k' },
    clock
  )
  s.targetFound({ prNumber: 3, headRef: 'feature' })
  s.packingBegan()
  s.packed({
    promptBytes: 2048,
    files: 2,
    source: 'git',
    truncated: true,
    omitted: 1,
    redactions: 0
  })
  s.sessionStarted(
    {
      id: 'devin-42',
      url: 'https://app.devin.ai/sessions/devin-42',
      status: 'running',
      detail: 'working',
      acus: 1.5,
      pullRequests: ['https://github.com/octo/repo/pull/9']
    },
    'created',
    { orgId: 'org-9' }
  )
  return s
}

function reporter(state: RunState, o: { post?: boolean; stopOnCancel?: boolean } = {}) {
  const warnings: string[] = []
  const infos: string[] = []
  const r = new Reporter({
    state,
    scrub,
    stopOnCancel: o.stopOnCancel ?? false,
    links: linkHosts('https://github.com'),
    log: { ...openLog(), info: (m) => infos.push(m), warning: (m) => warnings.push(m) },
    post: o.post
  })
  return { r, warnings, infos }
}

const OUTPUT_NAMES = [
  'session-id',
  'session-url',
  'status',
  'status-detail',
  'result',
  'skip-reason',
  'pull-requests',
  'acus-consumed',
  'structured-output',
  'last-message',
  'attachments',
  'diff-truncated',
  'prompt-bytes',
  'review-status',
  // Known only once the final write is back.
  'comment-url',
  'check-run-url'
]

describe('Reporter.finish', () => {
  it('sets every output once, the comment and check run URLs last, once they are written', async () => {
    const gh = fakeGitHub()
    const state = startedState()
    state.endedAsStarted()
    const { r, warnings } = reporter(state)
    r.commentOn(new StickyComment(gh.api, 3, 'k'))
    await r.finish()
    const outputs = await fileCommands('output')
    expect(outputs.map(([k]) => k)).toEqual(OUTPUT_NAMES)
    const o = Object.fromEntries(outputs)
    expect(o).toMatchObject({
      'session-id': 'devin-42',
      'session-url': 'https://app.devin.ai/sessions/devin-42',
      status: 'running',
      'status-detail': 'working',
      result: 'created',
      'skip-reason': '',
      'pull-requests': '["https://github.com/octo/repo/pull/9"]',
      'acus-consumed': '1.5',
      'diff-truncated': 'true',
      'prompt-bytes': '2048',
      'comment-url': 'https://github.com/octo/repo/pull/3#issuecomment-500'
    })
    expect(gh.comments).toHaveLength(1)
    expect(gh.comments[0]?.body).toMatch(
      /^<!-- devin-handoff:k -->\n\*\*🚀 Devin session started\*\*/
    )
    expect(state.report.commentUrl).toBe(o['comment-url'])
    expect(await readFile(file('summary'), 'utf8')).toMatch(
      /^## 🚀 Devin session started[\s\S]*\| Repository \| octo\/repo #3 \(`feature`\) \|/
    )
    expect(warnings).toEqual([])
  })

  it('writes nothing more when called again', async () => {
    const gh = fakeGitHub()
    const state = startedState()
    state.endedAsStarted()
    const { r } = reporter(state)
    r.commentOn(new StickyComment(gh.api, 3, 'k'))
    await r.finish()
    const files = await Promise.all(['output', 'state', 'summary'].map((f) => readFile(file(f))))
    const calls = gh.calls.length
    state.ended('error', 'changed after the end')
    await r.finish()
    const again = await Promise.all(['output', 'state', 'summary'].map((f) => readFile(file(f))))
    expect(again).toEqual(files)
    expect(gh.calls).toHaveLength(calls)
  })

  it('saves the final state after the interim ones, with the comment and the run', async () => {
    const gh = fakeGitHub()
    const state = startedState()
    state.waitingBegan()
    state.terminated = true
    const { r } = reporter(state, { stopOnCancel: true })
    r.commentOn(new StickyComment(gh.api, 3, 'k'))
    await r.publish()
    state.ended('finished')
    await r.finish()
    const states = await savedStates()
    // One interim save per comment write while the run goes on; the end saves the ended run
    // before its final write (a post step after a cut-short write must not see it waiting),
    // then once more, final.
    expect(states.map((s) => s.final)).toEqual([false, false, true])
    const [interim, ended, last] = states
    expect(interim?.report.phase).toBe('waiting')
    expect(ended?.report.phase).toBe('ended')
    expect(ended?.report.result).toBe('finished')
    expect(last).toEqual({
      final: true,
      comment: {
        id: 500,
        url: 'https://github.com/octo/repo/pull/3#issuecomment-500',
        issue: 3
      },
      orgId: 'org-9',
      stopOnCancel: true,
      terminated: true,
      report: JSON.parse(JSON.stringify(state.snapshot()))
    })
    expect(last?.report.result).toBe('finished')
  })

  it('saves no comment in the state when there is none', async () => {
    const state = startedState()
    state.endedAsStarted()
    const { r } = reporter(state)
    await r.finish()
    const saved = await savedStates()
    expect(saved.map((x) => x.final)).toEqual([false, true])
    expect(saved.map((x) => x.comment)).toEqual([undefined, undefined])
    expect(Object.fromEntries(await fileCommands('output'))['comment-url']).toBe('')
  })

  it('warns when the summary cannot be written, and still saves the state', async () => {
    await rm(file('summary'))
    await mkdir(file('summary'))
    const state = startedState()
    state.endedAsStarted()
    const { r, warnings } = reporter(state)
    await r.finish()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^Could not write the job summary: /)
    expect((await savedStates()).at(-1)?.final).toBe(true)
  })
})

describe('Reporter writes one at a time', () => {
  /** Lets every callback that is ready run (no timer involved). */
  const ticks = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res))
  }

  /** A GitHub whose comment writes are held until released, in order. */
  function heldGitHub() {
    const gh = fakeGitHub()
    const held: Array<() => void> = []
    const order: string[] = []
    const hold = <T>(what: string, work: () => Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        order.push(`${what} sent`)
        held.push(() => {
          order.push(`${what} answered`)
          work().then(resolve, reject)
        })
      })
    const api = gh.api
    const create = api.createComment.bind(api)
    const update = api.updateComment.bind(api)
    api.createComment = (issue, body) => hold('create', () => create(issue, body))
    api.updateComment = (id, body) => hold(`update ${id}`, () => update(id, body))
    const release = async (): Promise<void> => {
      for (let i = 0; i < 100 && held.length === 0; i++) await new Promise((r) => setImmediate(r))
      held.shift()?.()
    }
    return { gh, order, release, pending: () => held.length }
  }

  it('a final write queued behind the first write goes after it, and lands last', async () => {
    const h = heldGitHub()
    const state = startedState()
    state.waitingBegan()
    const { r } = reporter(state)
    r.commentOn(new StickyComment(h.gh.api, 3, 'k'))
    const first = r.publish()
    await ticks()
    expect(h.order).toEqual(['create sent'])
    // The signal comes while the first write's create is out.
    state.cancelled('The workflow was cancelled; the Devin session keeps running.', {
      stopped: false,
      by: 'signal'
    })
    const finished = r.finish()
    await ticks()
    // Without waiting its turn, the final write would find no comment and create a second one.
    expect(h.order).toEqual(['create sent'])
    await h.release()
    await first
    await h.release()
    await finished
    expect(h.order).toEqual([
      'create sent',
      'create answered',
      'update 500 sent',
      'update 500 answered'
    ])
    // One comment, and it shows the end.
    expect(h.gh.comments).toHaveLength(1)
    expect(h.gh.comments[0]?.body).toMatch(/\*\*🛑 Cancelled\*\*/)
  })

  it('a second finish while the first is in flight waits for it and writes nothing of its own', async () => {
    const h = heldGitHub()
    const state = startedState()
    state.endedAsStarted()
    const { r } = reporter(state)
    r.commentOn(new StickyComment(h.gh.api, 3, 'k'))
    const first = r.finish()
    const second = r.finish()
    expect(second).toBe(first)
    let secondDone = false
    void second.then(() => (secondDone = true))
    await ticks()
    expect(secondDone).toBe(false)
    await h.release()
    await second
    expect(h.order).toEqual(['create sent', 'create answered'])
    expect((await savedStates()).map((x) => x.final)).toEqual([false, true])
  })
})

describe('Reporter and a comment that cannot be written', () => {
  it.each([403])(
    'warns once, with the permission hint, on %i, and never shows a credential',
    async (status) => {
      const gh = fakeGitHub()
      gh.failWith(
        Object.assign(new Error(`Resource not accessible by integration (token ${TOKEN})\nmore`), {
          status
        })
      )
      const state = startedState()
      state.waitingBegan()
      const { r, warnings } = reporter(state)
      r.commentOn(new StickyComment(gh.api, 3, 'k'))
      await r.publish()
      await r.publish()
      state.ended('finished')
      await r.finish()
      expect(warnings).toEqual([
        `Could not write the PR comment: ${status} Resource not accessible by integration (token ***). The token needs 'pull-requests: write' (and 'issues: write'); fork PRs get a read-only token.`
      ])
      expect(gh.calls.filter((c) => c === 'create')).toHaveLength(3)
      const o = Object.fromEntries(await fileCommands('output'))
      expect(o['comment-url']).toBe('')
      expect(o.result).toBe('finished')
      // The state is still saved after each attempt while the run goes on, then at the end.
      const saved = await savedStates()
      expect(saved.map((s) => s.final)).toEqual([false, false, false, true])
      // No comment came back: the post step knows only where it would be.
      expect(saved.map((s) => s.comment)).toEqual(saved.map(() => ({ issue: 3 })))
      for (const f of ['output', 'state', 'summary'])
        expect(await readFile(file(f), 'utf8')).not.toContain(TOKEN)
    }
  )

  // A 404 is a pull request (or comment) that is gone: blaming permissions would mislead.
  it.each([
    [422, 'Validation Failed'],
    [404, 'Not Found']
  ])('gives no permission hint for other failures (%i)', async (status, message) => {
    const gh = fakeGitHub()
    gh.failWith(Object.assign(new Error(message), { status }))
    const state = startedState()
    state.endedAsStarted()
    const { r, warnings } = reporter(state)
    r.commentOn(new StickyComment(gh.api, 3, 'k'))
    await r.finish()
    expect(warnings).toEqual([`Could not write the PR comment: ${status} ${message}.`])
  })

  it('says how many duplicate comments it removed', async () => {
    const gh = fakeGitHub()
    const state = startedState()
    state.endedAsStarted()
    const { r, infos } = reporter(state)
    // Two of ours already there: the oldest is kept, the other deleted.
    const marker = '<!-- devin-handoff:k -->\nold'
    for (const id of [1, 2])
      gh.comments.push({
        id,
        body: marker,
        html_url: `https://github.com/octo/repo/pull/3#issuecomment-${id}`,
        created_at: `2024-01-0${id}T00:00:00Z`,
        user: { login: 'github-actions[bot]' }
      })
    r.commentOn(new StickyComment(gh.api, 3, 'k'))
    await r.publish()
    expect(infos).toEqual(['Deleted 1 duplicate sticky comment(s)'])
    expect(state.report.commentUrl).toBe('https://github.com/octo/repo/pull/3#issuecomment-1')
  })
})

describe('the post-mode reporter', () => {
  it('writes the comment and the summary but sets no outputs and saves no state', async () => {
    const gh = fakeGitHub()
    const state = startedState()
    state.waitingBegan()
    state.cancelled('The job ended early; the Devin session keeps running.', {
      stopped: false,
      by: 'post'
    })
    const { r } = reporter(state, { post: true })
    r.commentOn(new StickyComment(gh.api, 3, 'k'))
    await r.publish()
    r.saveState(true)
    await r.finish()
    expect(await readFile(file('output'), 'utf8')).toBe('')
    expect(await readFile(file('state'), 'utf8')).toBe('')
    expect(gh.comments[0]?.body).toMatch(/\*\*🛑 Cancelled\*\* · .*\n\n> The job ended early/)
    expect(await readFile(file('summary'), 'utf8')).toMatch(/^## 🛑 Workflow cancelled/)
  })
})

describe('skip, dry run and fail-on', () => {
  it('skip() ends the run as skipped, with a notice, outputs and a summary', async () => {
    const state = new RunState({ slug: 'octo/repo', runUrl: '', commentKey: 'default' }, clock)
    const { r } = reporter(state)
    const out = captureStdout()
    await r.skip('bot: dependabot[bot] is not listed')
    vi.restoreAllMocks()
    expect(out.join('')).toContain(
      '::notice::Devin handoff skipped: bot: dependabot[bot] is not listed'
    )
    const o = Object.fromEntries(await fileCommands('output'))
    expect(o.result).toBe('skipped')
    expect(o['skip-reason']).toBe('bot: dependabot[bot] is not listed')
    expect(o['session-id']).toBe('')
    expect(o['prompt-bytes']).toBe('')
    expect(await readFile(file('summary'), 'utf8')).toMatch(
      /^## ⏭️ Devin handoff skipped[\s\S]*`skipped`: bot: dependabot\\\[bot\\\] is not listed/
    )
    expect((await savedStates()).at(-1)?.report.result).toBe('skipped')
  })

  it('dryRun() prints the prompt in a group and shows it in the summary', async () => {
    const state = new RunState({ slug: 'octo/repo', runUrl: '', commentKey: 'default' }, clock)
    state.packingBegan()
    state.packed({
      promptBytes: 19,
      files: 0,
      source: 'none',
      truncated: false,
      omitted: 0,
      redactions: 0
    })
    const { r } = reporter(state)
    const out = captureStdout()
    await r.dryRun({ prompt: '# Task\n```\nfenced\n```', bytes: 19 })
    vi.restoreAllMocks()
    const printed = out.join('')
    expect(printed).toContain('::group::Prompt (19 bytes, dry run: nothing sent)')
    // The gate fences the prompt: the runner reads no command from it.
    expect(printed).toMatch(/::stop-commands::([0-9a-f-]{36})\n# Task\n```\nfenced\n```\n::\1::\n/)
    expect(printed).toContain('::endgroup::')
    expect(Object.fromEntries(await fileCommands('output'))).toMatchObject({
      result: 'dry-run',
      'prompt-bytes': '19',
      'session-id': ''
    })
    const summary = await readFile(file('summary'), 'utf8')
    expect(summary).toMatch(/^## 🧪 Devin handoff dry run/)
    // A longer fence than the prompt's own keeps it in one block.
    expect(summary).toContain('````markdown\n# Task\n```\nfenced\n```\n````')
  })

  it('failIfAsked fails the step only for a result fail-on names', async () => {
    const state = startedState()
    state.waitingBegan()
    state.ended('timeout')
    const { r } = reporter(state)
    const out = captureStdout()
    r.failIfAsked(['error', 'suspended'])
    expect(process.exitCode).toBeUndefined()
    r.failIfAsked(['timeout'])
    vi.restoreAllMocks()
    expect(process.exitCode).toBe(1)
    expect(out.join('')).toMatch(/::error::Devin handoff ended with result 'timeout'/)
  })

  it('failIfAsked leaves a notice with the session and the reason for an end it does not fail', () => {
    const state = startedState()
    state.waitingBegan()
    state.ended(
      'timeout',
      'Stopped waiting after 1 minute (timeout-minutes); the Devin session keeps running.'
    )
    const { r } = reporter(state)
    const out = captureStdout()
    r.failIfAsked(['error'])
    vi.restoreAllMocks()
    expect(process.exitCode).toBeUndefined()
    expect(out.join('')).toBe(
      "::notice::Devin handoff ended with result 'timeout' (status running/working). Stopped waiting after 1 minute (timeout-minutes); the Devin session keeps running. Session: https://app.devin.ai/sessions/devin-42 (add 'timeout' to 'fail-on' to fail the step on this)\n"
    )
  })

  it('failIfAsked says nothing more for a finished session, and only fails for one it fails', () => {
    const finished = startedState()
    finished.waitingBegan()
    finished.ended('finished')
    const failing = startedState()
    failing.waitingBegan()
    failing.ended('needs-input', 'Devin is waiting for a reply: answer in the Devin session.')
    const out = captureStdout()
    reporter(finished).r.failIfAsked([])
    reporter(failing).r.failIfAsked(['needs-input'])
    vi.restoreAllMocks()
    const printed = out.join('')
    expect(printed).not.toContain('::notice::')
    expect(printed.match(/^::error::/gm)).toHaveLength(1)
  })
})

describe('Reporter and a review', () => {
  /** GitHub with check runs, recording every write in order. */
  function withChecks() {
    const gh = fakeGitHub()
    const checks: Array<{ id: number; req: Record<string, unknown> }> = []
    Object.assign(gh.api, {
      async createCheckRun(req: Record<string, unknown>) {
        gh.calls.push('check create')
        checks.push({ id: 900, req })
        return { id: 900, html_url: 'https://github.com/octo/repo/runs/900', status: req.status }
      },
      async updateCheckRun(id: number, req: Record<string, unknown>) {
        gh.calls.push(`check update ${id}`)
        checks.push({ id, req })
        return { id, html_url: 'https://github.com/octo/repo/runs/900', status: req.status }
      }
    })
    return { ...gh, checks }
  }

  function requested(): RunState {
    const s = new RunState(
      { slug: 'octo/repo', runUrl: '', commentKey: 'review', mode: 'review' },
      clock
    )
    s.targetFound({ prNumber: 3 })
    s.reviewBegan()
    s.reviewSent('https://github.com/octo/repo/pull/3', 'a'.repeat(40))
    s.reviewStarted(
      {
        prUrl: 'https://github.com/octo/repo/pull/3',
        commitSha: 'a'.repeat(40),
        status: 'pending'
      },
      { recovered: false }
    )
    return s
  }

  it('writes a new check run before the comment, so the comment carries its id for a sync', async () => {
    const gh = withChecks()
    const state = requested()
    state.endedAsStarted()
    const { r } = reporter(state)
    r.commentOn(new StickyComment(gh.api, 3, 'review'))
    const { CheckRun } = await import('../../../src/github/check-run.ts')
    r.checkOn(new CheckRun(gh.api, { name: 'Devin Review', headSha: 'a'.repeat(40) }))
    await r.finish()
    // The sticky comment lists once more after creating, to drop a racing duplicate.
    expect(gh.calls).toEqual(['check create', 'list', 'create', 'list'])
    const { decodeState } = await import('../../../src/state/marker.ts')
    expect(decodeState(gh.comments[0]?.body ?? '')?.checkRunId).toBe(900)
    expect(gh.checks[0]?.req).toMatchObject({
      name: 'Devin Review',
      status: 'in_progress',
      details_url: 'https://github.com/octo/repo/pull/3',
      external_id: `devin-review:${'a'.repeat(40)}`
    })
  })

  it('writes the check run when there is no comment to write', async () => {
    const gh = withChecks()
    const state = startedState()
    state.endedAsStarted()
    const { r } = reporter(state)
    const { CheckRun } = await import('../../../src/github/check-run.ts')
    r.checkOn(new CheckRun(gh.api, { name: 'Devin', headSha: 'b'.repeat(40) }))
    await r.finish()
    expect(gh.calls).toEqual(['check create'])
    expect(state.report.checkRunUrl).toBe('https://github.com/octo/repo/runs/900')
  })
})
