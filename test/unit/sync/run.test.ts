import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DevinClient } from '../../../src/devin/client.ts'
import { linkHosts } from '../../../src/egress/markdown.ts'
import { syncRepository } from '../../../src/sync/run.ts'
import { startDevinEmulator } from '../../emulators/devin.ts'
import { recordingLog } from '../../helpers/log.ts'
import { FINISHED, fakeRender, GitHubFake, seed, WORKING } from './fakes.ts'
import { prUrl, ReviewsFake, seedReview } from './review-fakes.ts'

let dir: string
const files = { summary: '', output: '' }
const saved = { ...process.env }
const cleanups: Array<() => Promise<void>> = []

// @actions/core keeps the summary file's path once it has read it: one file for the whole file.
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sync-run-'))
  files.summary = path.join(dir, 'summary.md')
  files.output = path.join(dir, 'output')
  process.env.GITHUB_STEP_SUMMARY = files.summary
  process.env.GITHUB_OUTPUT = files.output
})
beforeEach(() => {
  writeFileSync(files.summary, '')
  writeFileSync(files.output, '')
})
afterEach(async () => {
  while (cleanups.length) await cleanups.shift()?.()
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  for (const k of ['GITHUB_STEP_SUMMARY', 'GITHUB_OUTPUT'] as const) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})

function outputs(): Record<string, string> {
  const out: Record<string, string> = {}
  const re = /^(.+?)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n?\2$/gm
  for (const m of readFileSync(files.output, 'utf8').matchAll(re)) out[m[1] as string] = m[3] ?? ''
  return out
}

/** The Devin emulator's sessions, and reviews from a fake (the Devin edge reads them in issue 13). */
async function setup() {
  const devin = await startDevinEmulator()
  const reviews = new ReviewsFake()
  const sessions = new DevinClient({ apiUrl: devin.url, apiKey: devin.apiKey })
  cleanups.push(
    () => devin.close(),
    () => sessions.close()
  )
  const client = Object.assign(sessions, { getReview: reviews.getReview.bind(reviews) })
  return { devin, client, reviews }
}

describe('syncRepository', () => {
  it('finds the org, syncs, and tells it in the outputs, the summary and the log', async () => {
    const { devin, client } = await setup()
    const gh = new GitHubFake()
    const [done, same] = seed(devin, gh, [
      {
        shown: WORKING,
        now: FINISHED,
        messages: [{ message: 'Done. Used cog_leaked1234 and run-secret to check.' }]
      },
      { shown: WORKING }
    ])
    const hostile = devin.sessions.get(done?.id as string)
    if (hostile) hostile.state.title = 'Fix @octocat [it](https://evil.example) | <b>now</b>'
    const log = recordingLog()
    const result = await syncRepository({
      devin: client,
      github: gh,
      render: fakeRender,
      orgId: '',
      ctx: { owner: 'octo', repo: 'hello' },
      links: linkHosts('https://github.com'),
      scrub: (t) => t.replaceAll('run-secret', '***'),
      log,
      clock: () => Date.UTC(2026, 0, 2)
    })
    // The hidden state is base64, out of the comment gate's sight: Devin's words are clean before.
    const kept = fakeRender.decode(gh.comments.get(done?.commentId as number)?.body ?? '')
    expect(kept?.lastMessage).toBe('Done. Used cog_*** and *** to check.')
    expect(result).toMatchObject({ sessions: { live: 2, changed: 1, synced: 1 }, synced: 1 })
    expect(devin.requestCounts()).toMatchObject({ 'GET /v3/self': 1 })
    expect(outputs()).toEqual({ synced: '1', result: '' })
    const summary = readFileSync(files.summary, 'utf8')
    expect(summary).toContain('Listed 2 · live 2 · changed 1 · synced 1')
    const row = summary.split('\n').find((l) => l.includes(done?.id as string)) ?? ''
    expect(row).toContain(`](https://app.devin.ai/sessions/${done?.id})`)
    expect(row).toContain('`running/working/0` → `exit/-/0`')
    expect(row).toContain('comment updated, check run updated')
    // Devin's title stays plain text: no mention, no link, no HTML, no cell break.
    expect(row).toContain(
      'Fix @\u200boctocat \\[it\\](https:\u200b//evil.example) \\| &lt;b&gt;now&lt;/b&gt;'
    )
    expect(summary).not.toContain(same?.id as string)
    expect(log.infos).toContain(
      'Synced octo/hello: sessions 2 listed, 2 live, 1 changed, 1 written; reviews 0 in progress (of 2 recent comments), 0 changed, 0 written.'
    )
    // The tags went through the real secret screen on their way back.
    expect(devin.sessions.get(done?.id as string)?.state.tags).toContain('gh-shown:exit/-/0')
  })

  it('says when nothing changed, and the warnings of what failed', async () => {
    const { devin, client } = await setup()
    const gh = new GitHubFake()
    const [s] = seed(devin, gh, [{ shown: WORKING, now: FINISHED, by: 'mallory' }])
    const log = recordingLog()
    const o = {
      devin: client,
      github: gh,
      render: fakeRender,
      orgId: devin.orgId,
      ctx: { owner: 'octo', repo: 'hello' },
      links: linkHosts('https://github.com'),
      scrub: (t: string) => t.replaceAll('mallory', '***'),
      log
    }
    await syncRepository(o)
    const summary = readFileSync(files.summary, 'utf8')
    expect(summary).toContain('**1 left for the next sync**')
    expect(summary).toMatch(/⚠️ not synced: comment \d+ was not written by this token/)
    // The scrub runs on the rendered summary, last.
    expect(summary).toContain('its author: ***)')
    expect(summary).not.toContain('mallory')
    expect(outputs()).toEqual({ synced: '0', result: '' })
    expect(log.warnings[0]).toContain(s?.id)

    writeFileSync(files.summary, '')
    gh.comments.clear()
    devin.sessions.clear()
    await syncRepository(o)
    const quiet = readFileSync(files.summary, 'utf8')
    expect(quiet).toContain('No session changed since its comment and check run last showed it.')
    expect(quiet).toContain('No review in progress changed since its comment last showed it.')
  })

  it('syncs sessions, then reviews, asking who the token is once; synced counts both', async () => {
    const { devin, client, reviews } = await setup()
    const gh = new GitHubFake()
    const [session] = seed(devin, gh, [{ shown: WORKING, now: FINISHED, pr: 3 }])
    const review = seedReview(gh, reviews, { pr: 7, shown: 'running', now: 'completed' })
    const failing = seedReview(gh, reviews, {
      pr: 8,
      shown: 'pending',
      now: new Error('Devin API failed: 500 @mallory | down')
    })
    const log = recordingLog()
    const result = await syncRepository({
      devin: client,
      github: gh,
      render: fakeRender,
      orgId: devin.orgId,
      ctx: { owner: 'octo', repo: 'hello' },
      links: linkHosts('https://github.com'),
      scrub: (t) => t,
      log,
      clock: () => Date.UTC(2026, 0, 2)
    })
    expect(result).toMatchObject({
      sessions: { changed: 1, synced: 1 },
      reviews: { inProgress: 2, changed: 1, synced: 1, failed: 1 },
      synced: 2
    })
    // Sessions first: their writes come before the review's.
    const writes = gh.calls.filter((c) => c.op.startsWith('update')).map((c) => c.id)
    expect(writes).toEqual([
      session?.commentId,
      session?.checkId,
      review.comment.id,
      review.checkId
    ])
    expect(gh.counts().byOp.whoAmI).toBe(1)
    expect(outputs()).toEqual({ synced: '2', result: '' })
    const summary = readFileSync(files.summary, 'utf8')
    expect(summary).toContain('### Devin Reviews synced')
    expect(summary).toContain(
      'Recent comments 3 · in progress 2 · changed 1 · synced 1 · **1 left for the next sync**'
    )
    const row = (pr: number) => summary.split('\n').find((l) => l.includes(`(${prUrl(pr)})`))
    expect(row(7)).toBe(
      `| [PR #7](${prUrl(7)}) | \`running\` → \`completed\` | comment updated, check run updated |`
    )
    // Devin's failure is text in the summary: no mention, no cell break.
    expect(row(8)).toContain(
      'not synced: could not read the review from Devin: Devin API failed: 500 @\u200bmallory \\| down'
    )
    expect(log.infos.at(-1)).toBe(
      'Synced octo/hello: sessions 1 listed, 1 live, 1 changed, 1 written; reviews 2 in progress (of 3 recent comments), 1 changed, 1 written, 1 left for the next sync.'
    )
    expect(log.warnings).toEqual([
      `Devin Review of ${prUrl(8)} (comment ${failing.comment.id}) was not synced: could not read the review from Devin: Devin API failed: 500 @mallory | down. The next sync tries again.`
    ])
  })
})
