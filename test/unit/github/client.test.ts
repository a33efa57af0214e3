/**
 * `createGitHubApi` against the GitHub emulator with faults injected: what plugin-retry and
 * plugin-throttling retry, and what they must never send twice. Waits are scaled down
 * (`retryAfterBaseMs`: one requested second lasts a few ms), and only the answers scripted to
 * be slow meet the request timeout; every answer expected to succeed has seconds to spare.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createGitHubApi, type GitHubApi } from '../../../src/github/client.ts'
import { ghError, startGitHubEmulator, type TokenIdentity } from '../../emulators/github.ts'
import type { RecordedRequest } from '../../emulators/http.ts'
import { createNetwork, type Network } from '../../../src/net/dispatcher.ts'
import { proxyEnv } from '../../helpers/proxy-env.ts'
import {
  closedPort,
  GITHUB_HOST,
  startTestProxy,
  type TestProxy,
  type TestProxyOptions
} from '../../helpers/proxy.ts'

const OWNER = 'octo'
const REPO = 'hello'
const PR = 7
const TOKEN = 'ghs_test_token'
const PULL = `/repos/${OWNER}/${REPO}/pulls/${PR}`
const COMMENTS = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`
const ONE_COMMENT = new RegExp(`^/repos/${OWNER}/${REPO}/issues/comments/\\d+$`)
/** One second of a requested wait, in ms: short, yet long enough to see in request times. */
const SECOND_MS = 20
/** Far above a loopback answer even on a loaded machine; the slow answers take far longer. */
const TIMEOUT_MS = 2000
const NEVER_MS = 60_000

/** A GitHub error body. */
const body = (status: number, message: string): object => ghError(status, message).json as object
const SECONDARY = {
  status: 403,
  headers: { 'retry-after': '2' },
  body: body(
    403,
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
  )
}

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(
  opts: {
    timeoutMs?: number
    token?: string
    tokens?: Record<string, TokenIdentity>
    /** Reach the emulator by a name only the test proxy resolves, through this proxy URL. */
    proxy?: string
  } = {}
) {
  const gh = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    tokens: opts.tokens,
    pulls: [
      {
        number: PR,
        head: { ref: 'feature', sha: 'a'.repeat(40) },
        base: { ref: 'main', sha: 'b'.repeat(40) }
      }
    ]
  })
  open.push(gh)
  const logs: string[] = []
  let network: Network | undefined
  if (opts.proxy) {
    proxyEnv({ HTTP_PROXY: opts.proxy })
    network = createNetwork()
    open.push(network)
  }
  const api = await createGitHubApi({
    token: opts.token ?? TOKEN,
    owner: OWNER,
    repo: REPO,
    apiUrl: opts.proxy ? gh.url.replace('127.0.0.1', GITHUB_HOST) : gh.url,
    requestTimeoutMs: opts.timeoutMs ?? TIMEOUT_MS,
    retryAfterBaseMs: SECOND_MS,
    log: (m) => logs.push(m),
    network
  })
  return { gh, api, logs }
}

async function list(api: GitHubApi): Promise<number[]> {
  const ids: number[] = []
  for await (const c of api.listComments(PR)) ids.push(c.id)
  return ids
}

const answers = (calls: RecordedRequest[]): Array<number | string> =>
  calls.map((q) => q.answer ?? 'timed out')

/** Time between the arrivals of consecutive calls. */
const gaps = (calls: RecordedRequest[]): number[] =>
  calls.slice(1).map((q, i) => q.at - (calls[i] as RecordedRequest).at)

describe('createGitHubApi: retries on the wire', () => {
  it('retries a GET that got a 502 and returns the answer', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'GET', path: PULL }, { status: 502, body: body(502, 'Bad Gateway') })
    const pull = await api.getPull(PR)
    expect(pull.number).toBe(PR)
    expect(answers(gh.requestsTo('GET', PULL))).toEqual([502, 200])
  })

  it('gives a GET up after three retries and reports the last status', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'GET', path: PULL, times: 10 }, { status: 503, body: {} })
    await expect(api.getPull(PR)).rejects.toMatchObject({ status: 503 })
    expect(gh.requestsTo('GET', PULL)).toHaveLength(4)
  })

  it('sends a comment create that got a 502 exactly once and reports the status', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'POST', path: COMMENTS }, { status: 502, body: {}, afterAction: true })
    await expect(api.createComment(PR, 'hello')).rejects.toMatchObject({ status: 502 })
    expect(gh.requestsTo('POST', COMMENTS)).toHaveLength(1)
    // The server acted: the caller finds the comment by listing, not by sending it again.
    expect(gh.liveComments(PR)).toHaveLength(1)
  })

  it('never resends a POST whose connection dropped or whose answer was unreadable', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'POST', path: COMMENTS }, { drop: 'after' })
    await expect(api.createComment(PR, 'one')).rejects.toMatchObject({ status: 500 })
    gh.fault({ method: 'POST', path: COMMENTS }, { malformed: true })
    await expect(api.createComment(PR, 'two')).rejects.toMatchObject({ status: 502 })
    const [id] = gh.liveComments(PR).map((c) => c.id)
    gh.fault({ method: 'POST', path: /\/reactions$/ }, { status: 500, body: {} })
    await expect(api.react('issue', id as number, 'eyes')).rejects.toMatchObject({ status: 500 })
    expect(gh.requests.filter((q) => q.method === 'POST')).toHaveLength(3)
    expect(gh.liveComments(PR)).toHaveLength(2)
  })

  it('retries a PATCH and a DELETE on a 5xx (sending them again changes nothing)', async () => {
    const { gh, api } = await setup()
    const c = gh.addComment({ issue: PR, body: 'x', login: 'github-actions[bot]', type: 'Bot' })
    gh.fault({ method: 'PATCH', path: ONE_COMMENT }, { status: 502, body: {} })
    expect((await api.updateComment(c.id, 'y')).body).toBe('y')
    gh.fault({ method: 'DELETE', path: ONE_COMMENT }, { drop: 'before' })
    await api.deleteComment(c.id)
    expect(answers(gh.requestsTo('PATCH', ONE_COMMENT))).toEqual([502, 200])
    expect(answers(gh.requestsTo('DELETE', ONE_COMMENT))).toEqual(['dropped', 204])
  })

  it('retries a GET whose 200 carried unreadable JSON', async () => {
    const { gh, api } = await setup()
    gh.addComment({ issue: PR, body: 'x', login: 'someone' })
    gh.fault({ method: 'GET', path: COMMENTS }, { malformed: true })
    expect(await list(api)).toHaveLength(1)
    expect(gh.requestsTo('GET', COMMENTS).map((q) => q.fault ?? q.answer)).toEqual([
      'malformed',
      200
    ])
  })
})

describe('createGitHubApi: rate limits', () => {
  it('waits the Retry-After of a 429 and sends the call again, a POST too', async () => {
    const { gh, api, logs } = await setup()
    const tooMany = { status: 429, headers: { 'retry-after': '3' }, body: body(429, 'Slow down') }
    gh.fault({ method: 'POST', path: COMMENTS }, tooMany)
    await api.createComment(PR, 'hello')
    const posts = gh.requestsTo('POST', COMMENTS)
    expect(answers(posts)).toEqual([429, 201])
    expect(gaps(posts)[0]).toBeGreaterThanOrEqual(3 * SECOND_MS - 5)
    expect(gh.liveComments(PR)).toHaveLength(1)
    expect(logs).toEqual([
      expect.stringMatching(/^GitHub rate limit \(429\) on POST .*: retrying in 3 s$/)
    ])
  })

  it('backs off on a 429 without Retry-After, at most three times', async () => {
    const { gh, api } = await setup()
    gh.fault(
      { method: 'GET', path: PULL, times: 10 },
      { status: 429, body: body(429, 'Slow down') }
    )
    await expect(api.getPull(PR)).rejects.toMatchObject({ status: 429 })
    const calls = gh.requestsTo('GET', PULL)
    expect(calls).toHaveLength(4)
    // 1 s, 2 s, 4 s as the client's own backoff, scaled.
    gaps(calls).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(2 ** i * SECOND_MS - 5))
  })

  it('fails at once when a limit asks for more than a minute', async () => {
    const { gh, api } = await setup()
    gh.fault(
      { method: 'GET', path: PULL },
      { status: 429, headers: { 'retry-after': '120' }, body: {} }
    )
    await expect(api.getPull(PR)).rejects.toMatchObject({ status: 429 })
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    gh.fault(
      { method: 'GET', path: PULL },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
        body: body(403, 'API rate limit exceeded for installation ID 1.')
      }
    )
    await expect(api.getPull(PR)).rejects.toMatchObject({ status: 403 })
    expect(gh.requestsTo('GET', PULL)).toHaveLength(2)
  })

  it('waits out a secondary rate limit (403 with Retry-After) on a POST and on a GET', async () => {
    const { gh, api, logs } = await setup()
    gh.fault({ method: 'POST', path: COMMENTS }, SECONDARY)
    await api.createComment(PR, 'hello')
    gh.fault({ method: 'GET', path: COMMENTS, times: 2 }, SECONDARY)
    expect(await list(api)).toHaveLength(1)
    const posts = gh.requestsTo('POST', COMMENTS)
    const gets = gh.requestsTo('GET', COMMENTS)
    expect(answers(posts)).toEqual([403, 201])
    expect(answers(gets)).toEqual([403, 403, 200])
    for (const gap of [...gaps(posts), ...gaps(gets)]) {
      expect(gap).toBeGreaterThanOrEqual(2 * SECOND_MS - 5)
    }
    expect(gh.liveComments(PR)).toHaveLength(1)
    expect(logs.filter((m) => /^GitHub rate limit \(secondary\)/.test(m))).toHaveLength(3)
  })

  it('gives a secondary rate limit up after three retries', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'PATCH', path: ONE_COMMENT, times: 10 }, SECONDARY)
    const c = gh.addComment({ issue: PR, body: 'x', login: 'github-actions[bot]', type: 'Bot' })
    await expect(api.updateComment(c.id, 'y')).rejects.toMatchObject({ status: 403 })
    expect(gh.requestsTo('PATCH', ONE_COMMENT)).toHaveLength(4)
  })

  it('does not space writes out (the action paces its own edits)', async () => {
    // No request timeout near: only the order of arrivals decides.
    const { gh, api } = await setup({ timeoutMs: NEVER_MS })
    const c = gh.addComment({ issue: PR, body: 'x', login: 'github-actions[bot]', type: 'Bot' })
    const d = gh.addComment({ issue: PR, body: 'x', login: 'github-actions[bot]', type: 'Bot' })
    // Every answer is held until all four writes are in flight. plugin-throttling's own groups
    // send writes one at a time (and 1-3 s apart), so with them the second write would never go
    // out while the first is held: this test would hang until vitest's timeout fails it.
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    gh.fault({ method: 'POST', path: COMMENTS, times: 2 }, { until: held })
    gh.fault({ method: 'PATCH', path: ONE_COMMENT, times: 2 }, { until: held })
    const writes = Promise.all([
      api.createComment(PR, 'one'),
      api.createComment(PR, 'two'),
      api.updateComment(c.id, 'three'),
      api.updateComment(d.id, 'four')
    ])
    await gh.waitFor(() => gh.requests.length >= 4, 'all four writes in flight at once')
    release()
    await writes
    expect(gh.requests).toHaveLength(4)
  })
})

describe('createGitHubApi: the request timeout', () => {
  it('bounds every attempt of a GET on its own', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'GET', path: PULL, times: 2 }, { delayMs: NEVER_MS })
    const pull = await api.getPull(PR)
    expect(pull.number).toBe(PR)
    const calls = gh.requestsTo('GET', PULL)
    expect(answers(calls)).toEqual(['timed out', 'timed out', 200])
    // Each retry had a whole timeout of its own: a signal shared with the first attempt would
    // have aborted the second before it was sent.
    for (const gap of gaps(calls)) expect(gap).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
  })

  it('gives up a POST after one timed-out attempt, reported like a dropped connection', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'POST', path: COMMENTS }, { delayMs: NEVER_MS })
    const started = Date.now()
    await expect(api.createComment(PR, 'hello')).rejects.toMatchObject({ status: 500 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    expect(answers(gh.requestsTo('POST', COMMENTS))).toEqual(['timed out'])
    expect(gh.liveComments(PR)).toHaveLength(1)
  })
})

describe('createGitHubApi: whoAmI', () => {
  const tokens: Record<string, TokenIdentity> = {
    ghs_app: { login: 'my-app[bot]', type: 'Bot', installation: true },
    // An installation token without the prefix (older formats, GitHub Enterprise Server).
    v1_0123456789abcdef: { login: 'my-app[bot]', type: 'Bot', installation: true },
    ghp_alice: { login: 'alice', type: 'User' }
  }

  it('does not ask GET /user for an installation token: it cannot answer', async () => {
    const { gh, api } = await setup({ token: 'ghs_app', tokens })
    expect(await api.whoAmI()).toBeUndefined()
    expect(gh.requests).toHaveLength(0)
  })

  it('takes a refused GET /user as an installation token, once', async () => {
    const { gh, api } = await setup({ token: 'v1_0123456789abcdef', tokens })
    expect(await api.whoAmI()).toBeUndefined()
    expect(await api.whoAmI()).toBeUndefined()
    expect(answers(gh.requestsTo('GET', '/user'))).toEqual([403])
  })

  it("names a personal token's login, once", async () => {
    const { gh, api } = await setup({ token: 'ghp_alice', tokens })
    expect(await api.whoAmI()).toBe('alice')
    expect(await api.whoAmI()).toBe('alice')
    expect(gh.requestsTo('GET', '/user')).toHaveLength(1)
  })

  it('does not mistake a rate-limited GET /user for an installation token', async () => {
    const { gh, api } = await setup({ token: 'ghp_alice', tokens })
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    gh.fault(
      { method: 'GET', path: '/user' },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
        body: body(403, 'API rate limit exceeded for user ID 1.')
      }
    )
    await expect(api.whoAmI()).rejects.toMatchObject({ status: 403 })
    // Not remembered as an installation: the next call asks again.
    expect(await api.whoAmI()).toBe('alice')
  })
})

describe('createGitHubApi: behind a proxy', () => {
  const USER = 'proxy-user'
  const PASSWORD = 'proxy-S3cret!'

  async function proxy(o: TestProxyOptions): Promise<TestProxy> {
    const p = await startTestProxy(o)
    open.push(p)
    return p
  }

  it('sends every call through the proxy, with its credentials', async () => {
    const p = await proxy({ auth: { user: USER, password: PASSWORD } })
    const { gh, api } = await setup({ proxy: p.urlWith(USER, PASSWORD) })
    expect((await api.getPull(PR)).number).toBe(PR)
    await api.createComment(PR, 'hello')
    const sent = (q: { method: string; path: string }) => `${q.method} ${q.path.split('?')[0]}`
    expect(p.forwardedTo(GITHUB_HOST).map(sent)).toEqual(gh.requests.map(sent))
    expect(gh.requests).toHaveLength(2)
  })

  it('refused: names the proxy, not its credentials, and sends nothing again', async () => {
    const p = await proxy({ auth: { user: USER, password: 'other' } })
    const { gh, api } = await setup({ proxy: p.urlWith(USER, PASSWORD) })
    const err = (await api.getPull(PR).catch((e: unknown) => e)) as Error
    expect(err.message).toBe(
      'GitHub API GET /repos/{owner}/{repo}/pulls/{pull_number} failed: the proxy ' +
        `${p.url} (HTTP_PROXY) refused its user and password ` +
        '(407 Proxy Authentication Required); check them in HTTP_PROXY'
    )
    // No status: nothing GitHub said, and nothing a caller could take for GitHub's answer.
    expect((err as { status?: number }).status).toBeUndefined()
    const all = `${err.message} ${err.stack ?? ''}`
    for (const secret of [USER, PASSWORD, TOKEN]) expect(all).not.toContain(secret)
    expect(p.log.map((e) => `${e.method} ${e.answer}`)).toEqual(['CONNECT 407'])
    expect(gh.requests).toEqual([])
  })

  it('named by a variable it cannot use: names the variable, not its value, and sends nothing again', async () => {
    const { gh, api } = await setup({ proxy: `socks5://${USER}:${PASSWORD}@127.0.0.1:1080` })
    const err = (await api.getPull(PR).catch((e: unknown) => e)) as Error
    expect(err.message).toBe(
      'GitHub API GET /repos/{owner}/{repo}/pulls/{pull_number} failed: HTTP_PROXY names a ' +
        'socks5 proxy; only http:// and https:// proxies are supported'
    )
    expect((err as { status?: number }).status).toBeUndefined()
    expect(`${err.message} ${err.stack ?? ''}`).not.toContain(PASSWORD)
    expect(gh.requests).toEqual([])
  })

  it('failing before GitHub (a 5xx to the CONNECT): a write is sent again, and lands once', async () => {
    const p = await proxy({ refuse: 503, refuseFirst: 1 })
    const { gh, api } = await setup({ proxy: p.url })
    await api.createComment(PR, 'hello')
    expect(p.log.map((e) => `${e.method} ${e.answer}`)[0]).toBe('CONNECT 503')
    expect(gh.requests.map((q) => q.method)).toEqual(['POST'])
    expect(gh.comments).toHaveLength(1)
  })

  it('down: names the proxy, and a GET is retried as after any dropped connection', async () => {
    const down = await closedPort()
    const { api } = await setup({ proxy: `http://${USER}:${PASSWORD}@127.0.0.1:${down}` })
    const err = (await api.getPull(PR).catch((e: unknown) => e)) as Error & { status?: number }
    expect(err.message).toBe(
      `could not connect to the proxy http://127.0.0.1:${down} (HTTP_PROXY): ECONNREFUSED`
    )
    expect(err.status).toBe(500)
    expect(
      (err as { request?: { request?: { retryCount?: number } } }).request?.request?.retryCount
    ).toBe(3)
    expect(`${err.message} ${err.stack ?? ''}`).not.toContain(PASSWORD)
  })
})
