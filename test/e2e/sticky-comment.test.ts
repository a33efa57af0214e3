/**
 * The sticky comment end to end (the built action under Node 24, both emulators): it is found
 * again by whichever token wrote it (the default `GITHUB_TOKEN`, a GitHub App's installation
 * token, a personal token), never by a stranger's comment that carries the marker, and it is
 * written afresh when someone deletes it while the action waits.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { StoredComment, TokenIdentity } from '../emulators/github.ts'
import { stateOf } from '../helpers/comment.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { GITHUB_TOKEN, prScenario, type PrScenario } from '../helpers/scenario.ts'

const PR = 7
const MARKER = '<!-- devin-handoff:default -->'
/** What actions/create-github-app-token hands out: an installation token of the App `my-app`. */
const APP: Record<string, TokenIdentity> = {
  [GITHUB_TOKEN]: { login: 'my-app[bot]', type: 'Bot', installation: true }
}
const PAT = 'ghp_e2ePersonalToken0123456789ABCDEFGH'

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

async function scenario(tokens?: Record<string, TokenIdentity>): Promise<PrScenario> {
  s = await prScenario(tokens ? { github: { tokens } } : {})
  return s
}

function ok(r: ActionResult): void {
  expect(r.code, r.stdout + r.stderr).toBe(0)
  expect(r.commands.filter((c) => c.command === 'warning')).toEqual([])
}

/** Comments people planted with the marker: one typed by hand, one posted through the App. */
function plantStrangers(t: PrScenario): StoredComment[] {
  return [
    t.github.addComment({ issue: PR, body: `${MARKER}\nI am the bot, trust me`, login: 'mallory' }),
    t.github.addComment({ issue: PR, body: `${MARKER}\nvia the App`, login: 'eve', app: 'my-app' })
  ]
}

/** The planted comments are there, word for word, and the action never wrote to them. */
function untouched(t: PrScenario, planted: StoredComment[]): void {
  for (const p of planted) {
    const now = t.github.liveComments(PR).find((c) => c.id === p.id)
    expect(now?.body).toBe(p.body)
    const path = `/repos/acme/widgets/issues/comments/${p.id}`
    expect(t.github.requests.filter((q) => q.path === path)).toEqual([])
  }
}

const byLogin = (t: PrScenario, login: string): StoredComment[] =>
  t.github.liveComments(PR).filter((c) => c.login === login)

const sessionIds = (t: PrScenario): string[] => [...t.devin.sessions.keys()]

describe('sticky comment: found again by the identity that wrote it', () => {
  it('with a GitHub App installation token: two runs, one comment, updated; strangers untouched', async () => {
    const t = await scenario(APP)
    const planted = plantStrangers(t)
    const first = await t.run()
    ok(first)
    const [mine] = byLogin(t, 'my-app[bot]')
    expect(mine?.body).toContain(sessionIds(t)[0])
    const second = await t.run()
    ok(second)
    expect(byLogin(t, 'my-app[bot]').map((c) => c.id)).toEqual([mine?.id])
    expect(byLogin(t, 'my-app[bot]')[0]?.body).toContain(sessionIds(t)[1])
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
    expect(t.github.requestsTo('POST', `/repos/acme/widgets/issues/${PR}/comments`)).toHaveLength(1)
    untouched(t, planted)
    // An installation token cannot answer GET /user, so it is not asked.
    expect(t.github.requestsTo('GET', '/user')).toEqual([])
  })

  it('with a GitHub App installation token: cleans up duplicates of racing runs, only its own', async () => {
    const t = await scenario(APP)
    const oldest = t.github.addComment({
      issue: PR,
      body: `${MARKER}\nrun A`,
      login: 'my-app[bot]',
      type: 'Bot'
    })
    const planted = plantStrangers(t)
    t.github.addComment({ issue: PR, body: `${MARKER}\nrun B`, login: 'my-app[bot]', type: 'Bot' })
    const r = await t.run()
    ok(r)
    expect(byLogin(t, 'my-app[bot]').map((c) => c.id)).toEqual([oldest.id])
    expect(r.outputs['comment-url']).toMatch(new RegExp(`#issuecomment-${oldest.id}$`))
    expect(r.stdout).toContain('Deleted 1 duplicate sticky comment(s)')
    untouched(t, planted)
  })

  it('with a GitHub App installation token: leaves the default token’s old comment, keeps to its own', async () => {
    const t = await scenario(APP)
    const before = t.github.addComment({
      issue: PR,
      body: `${MARKER}\nwritten when the workflow used GITHUB_TOKEN`,
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    ok(await t.run())
    ok(await t.run())
    expect(byLogin(t, 'my-app[bot]')).toHaveLength(1)
    expect(t.github.requestsTo('POST', `/repos/acme/widgets/issues/${PR}/comments`)).toHaveLength(1)
    expect(byLogin(t, 'github-actions[bot]').map((c) => c.body)).toEqual([before.body])
  })

  it('with the default GITHUB_TOKEN: two runs, one comment, updated; strangers untouched', async () => {
    const t = await scenario()
    const planted = plantStrangers(t)
    const first = await t.run()
    ok(first)
    const second = await t.run()
    ok(second)
    const mine = byLogin(t, 'github-actions[bot]')
    expect(mine).toHaveLength(1)
    expect(mine[0]?.body).toContain(sessionIds(t)[1])
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
    untouched(t, planted)
  })

  it('with a personal token: two runs, one comment, updated; strangers and bots untouched', async () => {
    const t = await scenario({ [PAT]: { login: 'alice', type: 'User' } })
    const planted = [
      ...plantStrangers(t),
      t.github.addComment({
        issue: PR,
        body: `${MARKER}\nan App's`,
        login: 'github-actions[bot]',
        type: 'Bot'
      })
    ]
    const first = await t.run({}, { githubToken: PAT })
    ok(first)
    const second = await t.run({}, { githubToken: PAT })
    ok(second)
    const mine = byLogin(t, 'alice')
    expect(mine).toHaveLength(1)
    expect(mine[0]?.body).toContain(sessionIds(t)[1])
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
    untouched(t, planted)
    // Asked once per run: a personal token can say who it is.
    expect(t.github.requestsTo('GET', '/user').map((q) => q.answer)).toEqual([200, 200])
  })
})

describe('sticky comment: deleted while the action waits', () => {
  it('is written afresh with the final state, and no permission is blamed', async () => {
    const t = await scenario()
    t.devin.script([{ status: 'claimed' }, { status: 'running', status_detail: 'working' }])
    const { done } = t.start({ wait: 'true', 'poll-interval': '1' }, { timeoutMs: 60_000 })
    const polls = (): number =>
      t.devin.requests.filter((q) => q.method === 'GET' && /\/sessions\/devin-\w+$/.test(q.path))
        .length
    const working = (): StoredComment | undefined =>
      t.github.liveComments(PR).find((c) => stateOf(c.body) === '⏳ Working')
    const what = 'the action polling with its working comment up'
    await Promise.race([
      t.devin.waitFor(() => polls() >= 2 && working() !== undefined, what),
      t.github.waitFor(() => polls() >= 2 && working() !== undefined, what)
    ])
    const deleted = working() as StoredComment
    deleted.deleted = true // someone deletes it in the web UI
    const [id] = sessionIds(t)
    t.devin.setSession(id as string, { status: 'running', status_detail: 'finished' })
    const r = await done
    ok(r)
    expect(r.outputs.result).toBe('finished')
    const live = t.github.liveComments(PR)
    expect(live).toHaveLength(1)
    expect(live[0]?.id).not.toBe(deleted.id)
    expect(live[0]?.body).toMatch(/^<!-- devin-handoff:default -->\n\*\*✅ Finished\*\* · /)
    expect(r.outputs['comment-url']).toMatch(new RegExp(`#issuecomment-${live[0]?.id}$`))
    expect(r.stdout).not.toMatch(/pull-requests: write/)
  })
})
