/**
 * Secret hygiene, end to end: the built action runs happy and error paths against emulators that
 * echo what they were sent (the key in the Authorization header, the request body), with
 * credentials planted in the PR diff, the uncommitted work, the PR body, the task and the runner
 * environment. Then every byte the action wrote (stdout, stderr, outputs, summary, state, every
 * comment body) and every request body the emulators received is searched for each of them.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordedRequest } from '../emulators/http.ts'
import { runPost, type ActionResult } from '../helpers/run-action.ts'
import {
  API_KEY,
  DEFAULT_HEAD,
  GITHUB_TOKEN,
  OWNER,
  REPO,
  everything,
  prScenario,
  type PrScenario
} from '../helpers/scenario.ts'
import { ALNUM, BASE64, UPPER_DIGITS, seededRandom } from '../helpers/fake-secrets.ts'

// The credentials exist only at run time, so this file holds none.
const rand = seededRandom(770319)

const PLANTED = {
  awsKeyId: `AKIA${rand(16, UPPER_DIGITS)}`,
  awsSecret: rand(40, BASE64).replace(/[+/]$/, 'Q'),
  ghPatInDiff: `ghp_${rand(36, ALNUM)}`,
  ghPatUntracked: `ghp_${rand(36, ALNUM)}`,
  ghPatInEnvFile: `ghp_${rand(36, ALNUM)}`,
  npmInBody: `npm_${rand(36, ALNUM)}`,
  ghPatInTask: `ghp_${rand(36, ALNUM)}`,
  runnerEnv: `ghp_${rand(36, ALNUM)}`
}

const SESSIONS = /^\/v3\/organizations\/[^/]+\/sessions$/
const COMMENTS = new RegExp(`^/repos/${OWNER}/${REPO}/issues/(7/comments|comments/\\d+)$`)

/** What the echoing servers sent back, to prove the secrets were really in play. */
const echoed: string[] = []
function echo(q: RecordedRequest): object {
  const body = {
    detail: [
      {
        loc: ['header', 'authorization'],
        msg: `rejected credentials ${String(q.headers.authorization)}`,
        input: { headers: q.headers, body: q.json ?? q.body }
      }
    ]
  }
  echoed.push(JSON.stringify(body))
  return body
}
function problemEcho(status: number, title: string) {
  return (q: RecordedRequest): object => {
    const body = {
      type: 'about:blank',
      title,
      status,
      detail: `${title}: key ${String(q.headers.authorization).replace(/^Bearer /, '')} sent ${q.body.slice(0, 200)}`
    }
    echoed.push(JSON.stringify(body))
    return body
  }
}
function githubEcho(q: RecordedRequest): object {
  const body = {
    message: `Bad credentials: ${String(q.headers.authorization)}`,
    documentation_url: 'https://docs.github.com/rest',
    request: q.body
  }
  echoed.push(JSON.stringify(body))
  return body
}

let s: PrScenario
const results: Record<string, ActionResult> = {}

beforeAll(async () => {
  s = await prScenario({
    head: {
      ...DEFAULT_HEAD,
      'config/deploy.ts': [
        `export const awsKeyId = '${PLANTED.awsKeyId}'`,
        `export const AWS_SECRET_ACCESS_KEY = '${PLANTED.awsSecret}'`,
        `export const GITHUB_TOKEN = '${PLANTED.ghPatInDiff}'`,
        ''
      ].join('\n'),
      '.env.production': `GITHUB_TOKEN=${PLANTED.ghPatInEnvFile}\n`
    },
    body: `Deploys with the token npm token ${PLANTED.npmInBody} for now.`
  })
  writeFileSync(
    join(s.checkout.workspace, 'notes.txt'),
    `left over by a build step: GITHUB_TOKEN=${PLANTED.ghPatUntracked}\n`
  )
  const task = {
    prompt: `Rotate the token ${PLANTED.ghPatInTask} and fix the deploy config.`
  }
  const env = { ...s.options().env, DEPLOY_TOKEN: PLANTED.runnerEnv }
  const run = (inputs: Record<string, string> = {}) => s.run({ ...task, ...inputs }, { env })

  results.ok = await run()
  results.post = await runPost(results.ok, s.options(task, { env }))

  s.devin.fault(
    { method: 'POST', path: SESSIONS },
    { status: 401, body: problemEcho(401, 'Unauthorized') }
  )
  results.devin401 = await run()
  s.devin.fault(
    { method: 'POST', path: SESSIONS },
    { status: 403, body: problemEcho(403, 'Forbidden') }
  )
  results.devin403 = await run()
  s.devin.fault({ method: 'POST', path: SESSIONS }, { status: 422, body: echo })
  results.devin422 = await run()
  s.devin.fault({ method: 'GET', path: '/v3/self' }, { status: 401, body: echo })
  results.self401 = await run({ 'org-id': '' })
  // An echoing 500: the outcome is unknown, so the warning quotes it before the lookup.
  s.devin.fault({ method: 'POST', path: SESSIONS }, { status: 500, body: echo })
  results.devin500 = await run()

  s.github.fault({ path: COMMENTS }, { status: 401, body: githubEcho })
  results.github401 = await run()
  s.github.fault({ method: 'PATCH', path: COMMENTS }, { status: 422, body: githubEcho })
  results.github422 = await run()
  s.github.fault(
    { method: 'GET', path: /\/collaborators\/[^/]+\/permission$/, times: 4 },
    { status: 500, body: githubEcho }
  )
  results.permission500 = await run()
}, 60_000)

afterAll(async () => {
  await s?.close()
})

const forms = (secret: string): string[] => [
  secret,
  encodeURIComponent(secret),
  Buffer.from(secret).toString('base64'),
  JSON.stringify(secret).slice(1, -1)
]

describe('secret hygiene', () => {
  it('ran the paths it claims to: success, post, and every error echo', () => {
    const codes = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.code]))
    expect(codes).toEqual({
      ok: 0,
      post: 0,
      devin401: 1,
      devin403: 1,
      devin422: 1,
      self401: 1,
      devin500: 0,
      github401: 0,
      github422: 0,
      permission500: 1
    })
    const errorOf = (r: ActionResult | undefined): string =>
      r?.commands.find((c) => c.command === 'error')?.message ?? ''
    expect(errorOf(results.devin401)).toMatch(/failed: 401 Unauthorized/)
    expect(errorOf(results.devin403)).toMatch(/failed: 403 Forbidden/)
    expect(errorOf(results.devin422)).toMatch(/failed: 422/)
    expect(errorOf(results.self401)).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v3\/self failed: 401/)
    expect(errorOf(results.permission500)).toMatch(
      /^GitHub API request failed: 500 Bad credentials: token \*\*\*/
    )
    const warned = (r: ActionResult | undefined): string =>
      (r?.commands ?? [])
        .filter((c) => c.command === 'warning')
        .map((c) => c.message)
        .join('\n')
    expect(warned(results.github401)).toMatch(/Could not write the PR comment: 401 Bad credentials/)
    expect(warned(results.github422)).toMatch(/Could not write the PR comment: 422/)
    expect(warned(results.devin500)).toMatch(/may or may not have worked/)
    // The servers did echo the key, the token and the (already redacted) prompt.
    const all = echoed.join('\n')
    expect(all).toContain(API_KEY)
    expect(all).toContain(GITHUB_TOKEN)
    expect(echoed.length).toBeGreaterThanOrEqual(9)
  })

  it('masks the API key, then the token, before anything else is written', () => {
    // The post step of a finished run has nothing to do and writes nothing at all.
    expect(results.post?.stdout).toBe('')
    for (const [name, r] of Object.entries(results)) {
      if (name === 'post') continue
      const lines = r.stdout.split('\n')
      expect(lines[0], name).toBe(`::add-mask::${API_KEY}`)
      expect(lines[1], name).toBe(`::add-mask::${GITHUB_TOKEN}`)
    }
  })

  it('the planted credentials were really in the change, and were redacted before sending', () => {
    const prompt = (s.devin.requestsTo('POST', SESSIONS)[0]?.json as { prompt: string }).prompt
    expect(prompt).toContain('config/deploy.ts')
    expect(prompt).toContain('notes.txt')
    expect(prompt).toContain('[REDACTED: ')
    expect(prompt).toContain('.env.production')
    const warnings = results.ok?.commands.filter((c) => c.command === 'warning') ?? []
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/GitHub token.*redacted/)
  })

  it('no byte written or sent holds the key, the token or a planted credential', () => {
    const all = everything(s, Object.values(results))
    const secrets = { API_KEY, GITHUB_TOKEN, ...PLANTED }
    const leaks = Object.entries(secrets).flatMap(([name, secret]) => [
      ...new Set(
        forms(secret)
          .filter((form) => all.includes(form))
          .map((form) => `${name} (${form === secret ? 'as is' : 'encoded'})`)
      )
    ])
    expect(leaks).toEqual([])
    // Everything was scanned: comments, summaries and request bodies are all in the haystack.
    expect(s.github.comments.length).toBeGreaterThan(0)
    expect(all).toContain('<!-- devin-handoff:default -->')
    expect(all).toContain('Rotate the token')
  })
})

describe('credentials outside the diff', () => {
  const more = seededRandom(424242)
  const token = (): string => `ghp_${more(36, ALNUM)}`
  const GONE = '[REDACTED: GitHub token]'
  const own: PrScenario[] = []
  afterAll(async () => {
    for (const o of own) await o.close()
  })

  interface Sent {
    title: string
    tags: string[]
    prompt: string
  }
  const sent = (o: PrScenario): Sent => {
    const [create] = o.devin.requestsTo('POST', SESSIONS)
    expect(create).toBeDefined()
    return create?.json as Sent
  }
  const leaks = (o: PrScenario, r: ActionResult, planted: Record<string, string>): string[] => {
    const all = everything(o, [r])
    return Object.entries(planted)
      .filter(([, value]) => forms(value).some((form) => all.includes(form)))
      .map(([where]) => where)
  }

  it('a PR title and head branch holding tokens reach no title, tag, prompt or report', async () => {
    const planted = { prTitle: token(), branch: token() }
    const o = await prScenario({ title: `Ship it with ${planted.prTitle}` })
    own.push(o)
    const payload = structuredClone(o.payload) as { pull_request: { head: { ref: string } } }
    payload.pull_request.head.ref = `fix/${planted.branch}`
    const r = await o.run({}, { payload })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const body = sent(o)
    expect(body.title).toBe(`${OWNER}/${REPO}#7: Ship it with ${GONE}`)
    expect(body.prompt).toContain(`- Head: \`fix/${GONE}\``)
    expect(r.summary).toContain(`(\`fix/${GONE}\`)`)
    expect(leaks(o, r, planted)).toEqual([])
  })

  it('a branch run: the branch, the task and the title input name and tag the session redacted', async () => {
    const planted = { branch: token(), task: token(), titleInput: token() }
    const o = await prScenario()
    own.push(o)
    const ref = `refs/heads/hotfix/${planted.branch}`
    const dispatch = { eventName: 'workflow_dispatch', payload: { ref, inputs: {} } }
    const first = await o.run({ prompt: `Rotate ${planted.task}\nThen redeploy.` }, dispatch)
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const body = sent(o)
    expect(body.title).toBe(`${OWNER}/${REPO}@hotfix/${GONE}: Rotate ${GONE}`)
    expect(body.tags).toContain(`gh:${OWNER}/${REPO}@hotfix/${GONE}:default`)
    // The title input is screened the same way (it is often an expression of the PR title).
    const second = await o.run(
      { prompt: 'Redeploy.', title: `Deploy ${planted.titleInput}` },
      dispatch
    )
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(o.devin.requestsTo('POST', SESSIONS).map((q) => (q.json as Sent).title)).toEqual([
      body.title,
      `Deploy ${GONE}`
    ])
    const warned = [...first.commands, ...second.commands]
      .filter((c) => c.command === 'warning')
      .map((c) => c.message)
    for (const where of ['branch name', 'task', 'title input'])
      expect(warned.join('\n')).toContain(`in the ${where} (line 1): redacted before sending`)
    expect(leaks(o, first, planted)).toEqual([])
    expect(leaks(o, second, planted)).toEqual([])
  })
})
