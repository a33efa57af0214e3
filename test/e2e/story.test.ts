/**
 * End to end: the sticky comment tells the story. The built action shows Devin's question and its
 * closing words (shortened, with a link for the rest; whole in `last-message`), one headline that
 * fits a phone, who asked for comment triggers without notifying them, and, without a wait, that
 * the session started instead of a frozen status. Devin's words are hostile text like any other.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { headlineOf } from '../helpers/comment.ts'
import { issueCommentPayload } from '../helpers/events.ts'
import { ALNUM, seededRandom } from '../helpers/fake-secrets.ts'
import { renderedText, renderedUrls, renderGfm } from '../helpers/markdown.ts'
import { runnerCommands } from '../helpers/runner-commands.ts'
import { everything, OWNER, prScenario, REPO, type PrScenario } from '../helpers/scenario.ts'

const PR = 33
const SLUG = `${OWNER}/${REPO}`

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function scenario(): Promise<PrScenario> {
  const s = await prScenario({
    prNumber: PR,
    base: { 'README.md': 'hello\n' },
    head: { 'README.md': 'hello story\n' },
    title: 'Tell the story',
    body: ''
  })
  cleanups.push(() => s.close())
  return s
}

const waiting = { prompt: 'Fix the date tests', wait: 'true', 'poll-interval': '1' }

function theComment(s: PrScenario): string {
  const live = s.github.liveComments(PR)
  expect(live).toHaveLength(1)
  return live[0]?.body ?? ''
}

/** The headline as a reader sees it. */
const headlineText = (body: string): string => renderedText(headlineOf(body) ?? '').trim()

describe('Devin’s words on the PR', () => {
  it('shows the question when Devin waits, shortened with a link; last-message carries it all', async () => {
    const s = await scenario()
    const question = [
      'Before I change the date handling I need to know one thing:',
      '',
      ...Array.from({ length: 30 }, (_, i) => `- option ${i + 1}: keep the ${i}th behaviour as is`),
      '',
      'Which option should I take?'
    ].join('\n')
    s.devin.script([
      { status: 'running', status_detail: 'working', messages: [{ message: 'Looking.' }] },
      {
        status: 'running',
        status_detail: 'waiting_for_user',
        acus_consumed: 1.5,
        messages: [{ message: question }]
      }
    ])
    const r = await s.run(waiting, { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.result).toBe('needs-input')
    expect(r.outputs['last-message']).toBe(question)
    const body = theComment(s)
    const head = headlineText(body)
    expect(head).toMatch(/^💬 Needs input · (?:\d+m )?\d+s · 1\.5 ACUs · Devin session$/)
    expect(Array.from(head).length).toBeLessThanOrEqual(60)
    expect(body).toMatch(/\*\*Devin asks:\*\*/)
    expect(body).toMatch(/Before I change the date handling/)
    // About 1 KB of it on the PR, then the session for the rest.
    expect(body).not.toMatch(/option 30/)
    expect(body).toMatch(/\[Read the rest in Devin\]\(https:\/\/app\.devin\.ai\/sessions\//)
    // The details fold below the words.
    expect(body.indexOf('Devin asks')).toBeLessThan(body.indexOf('<details>'))
  })

  it('shows the closing words when Devin finished, and its PRs as #N in the headline', async () => {
    const s = await scenario()
    s.devin.script([
      { status: 'running', status_detail: 'working' },
      {
        status: 'running',
        status_detail: 'finished',
        acus_consumed: 4.2,
        pull_requests: [
          { pr_url: `https://github.com/${SLUG}/pull/45`, pr_state: 'open' },
          { pr_url: `https://github.com/${SLUG}/pull/46`, pr_state: 'open' }
        ],
        messages: [{ message: 'Fixed both flaky tests.\nOpened #45 and #46.' }]
      }
    ])
    const r = await s.run(waiting, { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const body = theComment(s)
    const head = headlineText(body)
    expect(head).toMatch(/^✅ Finished · (?:\d+m )?\d+s · 4\.2 ACUs · #45, #46 · Devin session$/)
    expect(Array.from(head).length).toBeLessThanOrEqual(60)
    expect(body).toMatch(/\*\*Devin's closing message:\*\*/)
    expect(body).toMatch(/Fixed both flaky tests\./)
    expect(r.outputs['last-message']).toBe('Fixed both flaky tests.\nOpened #45 and #46.')
  })

  it('names who asked in a comment trigger, without notifying them', async () => {
    const s = await scenario()
    s.devin.script([{ status: 'running', status_detail: 'finished' }])
    const r = await s.run(
      { ...waiting, 'trigger-phrase': '/devin' },
      {
        timeoutMs: 60_000,
        eventName: 'issue_comment',
        payload: issueCommentPayload(
          { number: PR, isPull: true },
          { body: '/devin please make the date tests pass @acme/reviewers', commenter: 'alice' }
        )
      }
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const body = theComment(s)
    expect(renderedText(body)).toMatch(
      /Requested by @alice: please make the date tests pass @acme\/reviewers/
    )
    // No bare @login or @team in the source: GitHub notifies nobody.
    expect(body).not.toMatch(/@alice|@acme\/reviewers/)
    expect(body).toMatch(/@\u200balice/)
  })

  it('without wait, says the session started and where to follow it: no frozen status', async () => {
    const s = await scenario()
    const r = await s.run({ prompt: 'Fix the date tests' })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const body = theComment(s)
    expect(headlineText(body)).toBe('🚀 Devin session started · follow it in Devin')
    expect(body).not.toMatch(/ACUs|`new`|Elapsed/)
    expect(body).toMatch(/shows the start only/)
  })
})

describe('Devin’s words are hostile text', () => {
  it('cannot issue commands, smuggle Markdown, notify people or publish a secret', async () => {
    const s = await scenario()
    const token = `ghp_${seededRandom(4711)(36, ALNUM)}`
    const hostile = [
      '::error::pwned by Devin',
      '##[group]fake group',
      '<img src=x onerror=alert(1)> <script>alert(2)</script>',
      '[click me](javascript:alert(3)) and ![pixel](https://evil.example/p.png)',
      '# Not a heading',
      '@acme/security please look',
      `the deploy token is ${token}`
    ].join('\n')
    s.devin.script([
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'finished', messages: [{ message: hostile }] }
    ])
    const r = await s.run(waiting, { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // As the runner replays the log: Devin's words issue nothing (stop-commands honoured).
    const ran = runnerCommands(r.stdout).filter((c) => c.name !== 'group')
    expect(ran.filter((c) => /pwned|fake group/.test(c.data))).toEqual([])
    const body = theComment(s)
    const summary = s.github.checkRuns[0]?.output.summary ?? ''
    for (const md of [body, summary, r.summary]) {
      const html = renderGfm(md)
      expect(html).not.toMatch(/<img|<script|<h1/)
      expect(
        renderedUrls(html).filter((u) => !/^https:\/\/(app\.devin\.ai|github\.com)\//.test(u))
      ).toEqual([])
      expect(md).not.toMatch(/@acme\/security/)
    }
    expect(renderedText(body)).toMatch(/::error::pwned by Devin/)
    expect(everything(s, [r])).not.toContain(token)
    expect(r.outputs['last-message']).toMatch(/the deploy token is \[REDACTED/)
    // Screened once, on its way to the log; the comment and outputs take the screened text.
    expect(r.commands.filter((c) => c.command === 'warning').map((c) => c.message)).toEqual([
      "Possible GitHub token in Devin's message (line 7) was redacted before it was shown."
    ])
  })
})
