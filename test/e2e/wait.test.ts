/**
 * End to end: the built action (dist/index.js under Node 24) waits for a scripted session on the
 * Devin emulator and keeps the sticky comment on the GitHub emulator up to date.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { DevinEmulator, SessionStep } from '../emulators/devin.ts'
import type { GitHubEmulator } from '../emulators/github.ts'
import type { PullRequestCheckout } from '../helpers/checkout.ts'
import { headlineOf, stateOf } from '../helpers/comment.ts'
import { prScenario } from '../helpers/scenario.ts'
import { runAction, type ActionResult, type RunActionOptions } from '../helpers/run-action.ts'

const PR = 12

interface Scenario {
  devin: DevinEmulator
  gh: GitHubEmulator
  co: PullRequestCheckout
  opts: RunActionOptions
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function scenario(
  steps: SessionStep[],
  inputs: Record<string, string> = {}
): Promise<Scenario> {
  const s = await prScenario({
    prNumber: PR,
    base: { 'README.md': 'hello\n' },
    head: { 'src/app.ts': 'export const x = 1\n' },
    title: 'Add x',
    body: ''
  })
  cleanups.push(() => s.close())
  s.devin.script(steps)
  const opts = s.options(
    { prompt: 'Review this change', wait: 'true', 'poll-interval': '1', ...inputs },
    { timeoutMs: 90_000 }
  )
  return { devin: s.devin, gh: s.github, co: s.checkout, opts }
}

function sessionPath(s: Scenario): string {
  const [id] = [...s.devin.sessions.keys()]
  return `/v3/organizations/${s.devin.orgId}/sessions/${id}`
}

/** The one check run a waiting run shows (status-check: auto), as `status/conclusion`. */
function checkRun(s: Scenario): string {
  const runs = s.gh.checkRuns
  expect(runs).toHaveLength(1)
  const [c] = runs
  return c?.conclusion ? `${c.status}/${c.conclusion}` : (c?.status ?? '')
}

/** The tags the run's one tag write (after its last comment and check run write) left. */
function recordedTags(s: Scenario): string[] {
  const puts = s.devin.requestsTo('PUT', /\/sessions\/devin-[0-9a-f]+\/tags$/)
  expect(puts).toHaveLength(1)
  return (puts[0]?.json as { tags: string[] }).tags
}

function commentBody(s: Scenario): string {
  const live = s.gh.liveComments(PR)
  expect(live).toHaveLength(1)
  return live[0]?.body ?? ''
}

/** Warnings as the runner sees them: nothing between ::stop-commands::T and ::T:: counts. */
function warnings(r: ActionResult): string[] {
  const out: string[] = []
  let stopped: string | undefined
  for (const line of r.stdout.split('\n')) {
    if (stopped !== undefined) {
      if (line === `::${stopped}::`) stopped = undefined
      continue
    }
    const m = /^::stop-commands::(.+)$/.exec(line)
    if (m) stopped = m[1]
    else if (line.startsWith('::warning')) out.push(line.replace(/^::warning[^:]*::/, ''))
  }
  return out
}

/** Messages the action printed: the `::group::` titles and the body lines inside stop-commands. */
function printedMessages(r: ActionResult): string[] {
  const out: string[] = []
  const lines = r.stdout.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^::stop-commands::(.+)$/.exec(lines[i] ?? '')
    if (!m) continue
    const body: string[] = []
    for (i++; i < lines.length && lines[i] !== `::${m[1]}::`; i++) body.push(lines[i] ?? '')
    out.push(body.join('\n'))
  }
  return out
}

describe('wait: end states', () => {
  it('follows new → claimed → running/working → running/finished and reports it all', async () => {
    const s = await scenario([
      { status: 'claimed', messages: [{ message: 'Looking at the PR now.' }] },
      { status: 'running', status_detail: 'working', acus_consumed: 0.5 },
      {
        status: 'running',
        status_detail: 'working',
        acus_consumed: 1.25,
        messages: [{ message: 'Found the bug.\nFixing it in src/app.ts' }]
      },
      {
        status: 'running',
        status_detail: 'finished',
        acus_consumed: 2.5,
        pull_requests: [{ pr_url: 'https://github.com/octo/app/pull/13', pr_state: 'open' }],
        structured_output: { verdict: 'fixed', files: 1 },
        messages: [{ message: 'Done: opened #13.\n::warning::not a real warning' }]
      }
    ])
    const started = Date.now()
    const r = await runAction(s.opts)
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.outputs.result).toBe('finished')
    expect(r.outputs.status).toBe('running')
    expect(r.outputs['status-detail']).toBe('finished')
    expect(JSON.parse(r.outputs['pull-requests'] ?? '')).toEqual([
      'https://github.com/octo/app/pull/13'
    ])
    expect(r.outputs['acus-consumed']).toBe('2.5')
    expect(JSON.parse(r.outputs['structured-output'] ?? '')).toEqual({ verdict: 'fixed', files: 1 })
    expect(s.devin.requestsTo('GET', sessionPath(s))).toHaveLength(4)

    // Each Devin message exactly once, and Devin text cannot issue workflow commands.
    expect(printedMessages(r)).toEqual([
      'Looking at the PR now.',
      'Found the bug.\nFixing it in src/app.ts',
      'Done: opened #13.\n::warning::not a real warning'
    ])
    expect(r.stdout).toMatch(/^::warning::not a real warning$/m)
    expect(
      r.commands.some(
        (c) => c.command === 'group' && c.message.startsWith('💬 devin: Found the bug.')
      )
    ).toBe(true)
    expect(warnings(r)).toEqual([])

    const body = commentBody(s)
    // The headline names the other repository's PR; Devin's closing words are quoted, plain.
    expect(headlineOf(body)).toMatch(
      /^\*\*✅ Finished\*\* · (?:\d+m )?\d+s · 2\.5 ACUs · octo\/app#13 · \[Devin session\]\(https:\/\/app\.devin\.ai\/sessions\/devin-[0-9a-f]+\)$/
    )
    expect(body).toContain("> **Devin's closing message:**\\\n> Done: opened #13.\\\n")
    expect(body).toMatch(/`running` \/ `finished`/)
    expect(body).toMatch(/<https:\/\/github\.com\/octo\/app\/pull\/13>/)
    expect(body).toMatch(/"verdict": "fixed"/)
    expect(body).toMatch(/\| ACUs \| 2\.5 \|/)
    expect(body).toMatch(/running\/working: Devin is working/)

    // Edits: only on a change, at most one per 10 s while waiting, plus the final one.
    const patches = s.gh.requestsTo('PATCH', /\/issues\/comments\//)
    const waitedS = (Date.now() - started) / 1000
    expect(patches.length).toBeLessThanOrEqual(Math.floor(waitedS / 10) + 2)
    // The check run is written with the comment: created once, edited on the same terms.
    expect(s.gh.requestsTo('POST', /\/check-runs$/)).toHaveLength(1)
    const checkEdits = s.gh.requestsTo('PATCH', /\/check-runs\/\d+$/)
    expect(checkEdits.length).toBeLessThanOrEqual(Math.floor(waitedS / 10) + 2)
    expect(checkRun(s)).toBe('completed/success')
    // Finished, yet Devin goes on if someone answers in its app: it stays in the live index.
    const [comment] = s.gh.liveComments(PR)
    const [check] = s.gh.checkRuns
    expect(recordedTags(s)).toEqual(
      expect.arrayContaining([
        'gh-live:acme/widgets',
        'gh-shown:running/finished/1',
        `gh-comment:${comment?.id}`,
        `gh-check:${check?.id}`
      ])
    )
    expect(r.summary).toMatch(/\| Result \| `finished` \|/)
    expect(r.summary).toMatch(/\| Waited \| (?:\d+m )?\d+s \(4 polls\) \|/)
    expect(r.summary).toMatch(/\| Pull requests \| <https:\/\/github\.com\/octo\/app\/pull\/13> \|/)
  })

  it('needs input: waiting_for_user, failing only when fail-on says so', async () => {
    const s = await scenario(
      [
        { status: 'running', status_detail: 'working' },
        {
          status: 'running',
          status_detail: 'waiting_for_user',
          messages: [{ message: 'Which database?' }]
        }
      ],
      { 'fail-on': 'error,needs-input' }
    )
    const r = await runAction(s.opts)
    expect(r.code).toBe(1)
    expect(r.outputs.result).toBe('needs-input')
    expect(r.outputs['status-detail']).toBe('waiting_for_user')
    expect(printedMessages(r)).toEqual(['Which database?'])
    const body = commentBody(s)
    expect(stateOf(body)).toBe('💬 Needs input')
    expect(checkRun(s)).toBe('completed/action_required')
    expect(body).toMatch(/> \*\*Devin asks:\*\*\\\n> Which database\?/)
    expect(body).toMatch(/waiting for a reply/)
    expect(r.commands.find((c) => c.command === 'error')?.message).toMatch(/needs-input/)
  })

  it('exit counts as finished', async () => {
    const s = await scenario([{ status: 'running', status_detail: 'working' }, { status: 'exit' }])
    const r = await runAction(s.opts)
    expect(r.code).toBe(0)
    expect(r.outputs.result).toBe('finished')
    expect(r.outputs.status).toBe('exit')
    expect(r.outputs['status-detail']).toBe('')
    expect(stateOf(commentBody(s))).toBe('✅ Finished')
    expect(checkRun(s)).toBe('completed/success')
    // The session ended: it leaves the live index, so no sync reads it again.
    const tags = recordedTags(s)
    expect(tags).toContain('gh-shown:exit/-/0')
    expect(tags).not.toContain('gh-live:acme/widgets')
  })

  it('error fails the step by default', async () => {
    const s = await scenario([{ status: 'running', status_detail: 'working' }, { status: 'error' }])
    const r = await runAction(s.opts)
    expect(r.code).toBe(1)
    expect(r.outputs.result).toBe('error')
    expect(r.outputs.status).toBe('error')
    expect(stateOf(commentBody(s))).toBe('❌ Failed')
    expect(checkRun(s)).toBe('completed/failure')
    expect(r.commands.find((c) => c.command === 'error')?.message).toMatch(/result 'error'/)
  })

  it('suspended with a billing reason says why, and does not fail by default', async () => {
    const s = await scenario([
      { status: 'running', status_detail: 'working' },
      { status: 'suspended', status_detail: 'out_of_credits' }
    ])
    const r = await runAction(s.opts)
    expect(r.code).toBe(0)
    expect(r.outputs.result).toBe('suspended')
    expect(r.outputs['status-detail']).toBe('out_of_credits')
    const body = commentBody(s)
    expect(stateOf(body)).toBe('⏸️ Suspended')
    expect(checkRun(s)).toBe('completed/neutral')
    expect(body).toMatch(/out of credits/)
  })

  it('keeps polling through an unknown status, warning once', async () => {
    const s = await scenario([
      { status: 'hibernating' },
      { status: 'hibernating' },
      { status: 'hibernating' },
      { status: 'running', status_detail: 'finished' }
    ])
    // Off the documented list on purpose: what a newer API may answer.
    s.devin.expectViolation(/is "hibernating", not one of/)
    const r = await runAction(s.opts)
    expect(r.code).toBe(0)
    expect(r.outputs.result).toBe('finished')
    const unknown = warnings(r).filter((w) => /hibernating/.test(w))
    expect(unknown).toHaveLength(1)
    expect(s.devin.requestsTo('GET', sessionPath(s))).toHaveLength(4)
  })

  it('times out within the budget and leaves the session running', async () => {
    const s = await scenario([{ status: 'running', status_detail: 'working' }], {
      'timeout-minutes': '0.05'
    })
    const r = await runAction(s.opts)
    expect(r.code).toBe(0)
    expect(r.outputs.result).toBe('timeout')
    expect(r.outputs.status).toBe('running')
    expect(s.devin.requestsTo('DELETE', /sessions/)).toHaveLength(0)
    const body = commentBody(s)
    expect(stateOf(body)).toBe('⏱️ Timed out')
    expect(checkRun(s)).toBe('completed/timed_out')
    expect(body).toMatch(/keeps running/)
    // A 3 s budget at a 1 s interval (±5% jitter): polls start at least 0.95 s apart and the one
    // at the deadline is the last, so never more than 4, however busy the machine. How many fit
    // before it depends on the machine's speed (the cadence is unit-tested on a virtual clock);
    // that the action stopped at its budget, and counted what it did, does not.
    const gets = s.devin.requestsTo('GET', sessionPath(s))
    expect(gets.length).toBeGreaterThanOrEqual(1)
    expect(gets.length).toBeLessThanOrEqual(4)
    const polls = `${gets.length} poll${gets.length === 1 ? '' : 's'}`
    expect(r.summary).toMatch(new RegExp(`\\| Waited \\| (?:\\d+m )?\\d+s \\(${polls}\\) \\|`))
  })

  it('fails with timeout when fail-on includes it', async () => {
    const s = await scenario([{ status: 'running', status_detail: 'working' }], {
      'timeout-minutes': '0.03',
      'fail-on': 'timeout'
    })
    const r = await runAction(s.opts)
    expect(r.code).toBe(1)
    expect(r.outputs.result).toBe('timeout')
  })
})

describe('wait: messages on time', () => {
  it('reads a page of messages after every poll: 2 requests a poll, each message by the next', async () => {
    const s = await scenario([
      { status: 'running', status_detail: 'working', messages: [{ message: 'first' }] },
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'working', messages: [{ message: 'second' }] },
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'finished', messages: [{ message: 'third' }] }
    ])
    const r = await runAction(s.opts)
    expect(r.code, r.stderr + r.stdout).toBe(0)
    // s = the session GET (which moves the scripted session on), m = a page of its messages.
    const session = sessionPath(s)
    const order = s.devin.requests
      .filter((q) => q.path === session || q.path === `${session}/messages`)
      .map((q) => (q.path === session ? 's' : 'm'))
    expect(order.join('')).toBe('sm'.repeat(5))
    expect(printedMessages(r)).toEqual(['first', 'second', 'third'])
  })
})

describe('wait: transient trouble', () => {
  it('honours Retry-After on 429 and rides out 503s mid-poll', async () => {
    const s = await scenario([
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'working' },
      { status: 'exit' }
    ])
    s.devin.fault(
      { method: 'GET', path: /\/sessions\/devin-[0-9a-f]+$/, after: 1 },
      { status: 429, headers: { 'retry-after': '2' }, body: { detail: 'Rate limit exceeded' } }
    )
    s.devin.fault(
      { method: 'GET', path: /\/sessions\/devin-[0-9a-f]+$/, after: 3, times: 2 },
      { status: 503, body: { detail: 'busy' } }
    )
    const r = await runAction(s.opts)
    expect(r.code, r.stdout).toBe(0)
    expect(r.outputs.result).toBe('finished')
    const gets = s.devin.requestsTo('GET', sessionPath(s))
    const limited = gets.findIndex((g) => g.fault === 'status')
    expect(gets[limited + 1]).toBeDefined()
    expect((gets[limited + 1]?.at ?? 0) - (gets[limited]?.at ?? 0)).toBeGreaterThanOrEqual(1900)
    expect(gets.filter((g) => g.fault === 'status')).toHaveLength(3)
    expect(gets.filter((g) => g.fault === undefined)).toHaveLength(4)
  })
})

describe('wait: attachments', () => {
  it('downloads every attachment into attachments-path, hostile names kept inside', async () => {
    const s = await scenario(
      [
        { status: 'running', status_detail: 'working' },
        {
          status: 'exit',
          attachments: [
            { name: 'summary.md', content: '# Summary' },
            { name: '../../../../outside.txt', content: 'escaped?' },
            { name: '..\\..\\win.txt', content: 'win' },
            { name: 'summary.md', content: 'again' }
          ]
        }
      ],
      { 'attachments-path': 'devin-out' }
    )
    const r = await runAction(s.opts)
    expect(r.code, r.stdout).toBe(0)
    const files = JSON.parse(r.outputs.attachments ?? '[]') as string[]
    expect(files).toEqual([
      'devin-out/summary.md',
      'devin-out/outside.txt',
      'devin-out/win.txt',
      'devin-out/summary (2).md'
    ])
    const dir = path.join(s.co.workspace, 'devin-out')
    expect((await readdir(dir)).sort()).toEqual([
      'outside.txt',
      'summary (2).md',
      'summary.md',
      'win.txt'
    ])
    expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).toBe('# Summary')
    expect(await readFile(path.join(dir, 'outside.txt'), 'utf8')).toBe('escaped?')
    expect(existsSync(path.join(s.co.root, 'outside.txt'))).toBe(false)
    expect(existsSync(path.resolve(s.co.workspace, '../../../../outside.txt'))).toBe(false)
    expect(commentBody(s)).toMatch(/`devin-out\/summary\.md`/)
  })
})
