/**
 * End to end behind a real forward proxy (test/helpers/proxy.ts): the built action, with the
 * Devin and GitHub emulators reached by names only the proxy resolves (`devin.proxy.test`,
 * `github.proxy.test`), so a request that skipped the proxy cannot arrive at all. The proxy reads
 * every request inside its tunnels (for https targets through a throw-away CA the action trusts
 * with NODE_EXTRA_CA_CERTS, as behind an inspecting corporate proxy), so its log can be held
 * against the emulators' logs request by request.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HttpEmulator, RecordedRequest } from '../emulators/http.ts'
import {
  closedPort,
  DEVIN_HOST,
  GITHUB_HOST,
  makeTestCertificates,
  resolveTestNamesOption,
  startTestProxy,
  VIA,
  type TestCertificates,
  type TestProxy,
  type TestProxyOptions
} from '../helpers/proxy.ts'
import { renderedText } from '../helpers/markdown.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { everything, prScenario, type PrScenario } from '../helpers/scenario.ts'

const PR = 7
const USER = 'proxy-user'
/** Characters that need percent-encoding in a URL, as real passwords have. */
const PASSWORD = 'pr0xy-Pa55:w@rd'
const SECRETS = [USER, PASSWORD, encodeURIComponent(PASSWORD)]

let certs: TestCertificates
beforeAll(() => {
  certs = makeTestCertificates([DEVIN_HOST, GITHUB_HOST])
})
afterAll(() => certs.cleanup())

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

type Where = 'http' | 'https' | 'loopback'

interface Setup {
  s: PrScenario
  proxy: TestProxy
  run(env: Record<string, string>, inputs?: Record<string, string>): Promise<ActionResult>
}

/** Where an emulator is reached: by its test name (http or https), or by 127.0.0.1. */
function reach(emu: HttpEmulator, where: Where, host: string): string {
  if (where !== 'loopback') emu.url = `${where}://${host}:${new URL(emu.url).port}`
  return emu.url
}

async function setup(o: { devin: Where; github: Where; proxy?: TestProxyOptions }): Promise<Setup> {
  const s = await prScenario({ prNumber: PR })
  cleanups.push(() => s.close())
  const tls = [o.devin === 'https' && DEVIN_HOST, o.github === 'https' && GITHUB_HOST]
  const proxy = await startTestProxy({
    ...o.proxy,
    tls: { key: certs.key, cert: certs.cert, names: tls.filter((n) => n !== false) }
  })
  cleanups.push(() => proxy.close())
  // The emulators' own links (pagination, attachment redirects) use the same names.
  const devinUrl = reach(s.devin, o.devin, DEVIN_HOST)
  const githubUrl = reach(s.github, o.github, GITHUB_HOST)
  s.devin.script([
    { status: 'running', messages: [{ message: 'Looking at it through the proxy.' }] },
    { status: 'exit', attachments: [{ name: 'notes.md', content: '# Notes' }] }
  ])
  return {
    s,
    proxy,
    run: (env, inputs = {}) =>
      s.run(
        {
          'api-url': devinUrl,
          wait: 'true',
          'poll-interval': '1',
          'attachments-path': 'devin-out',
          ...inputs
        },
        {
          githubUrl,
          env: { ...s.options().env, NODE_EXTRA_CA_CERTS: certs.caFile, ...env },
          timeoutMs: 90_000
        }
      )
  }
}

const line = (q: { method: string; path: string }): string => `${q.method} ${q.path.split('?')[0]}`
const sorted = (lines: string[]): string[] => [...lines].sort()
const errorOf = (r: ActionResult): string =>
  r.commands.find((c) => c.command === 'error')?.message ?? ''

/** Nothing the action wrote or sent holds the proxy's user or password. */
function expectNoProxyCredentials(s: PrScenario, r: ActionResult): void {
  const all = everything(s, [r])
  for (const secret of SECRETS) expect(all).not.toContain(secret)
}

/** Every request each emulator received came through the proxy, and nothing else did. */
function expectAllThroughProxy(x: Setup): void {
  const { s, proxy } = x
  for (const [emu, host] of [
    [s.devin, DEVIN_HOST],
    [s.github, GITHUB_HOST]
  ] as const) {
    expect(emu.requests.length, host).toBeGreaterThan(0)
    expect(sorted(proxy.forwardedTo(host).map(line)), host).toEqual(sorted(emu.requests.map(line)))
    expect(
      emu.requests.filter((q: RecordedRequest) => q.headers.via !== VIA),
      host
    ).toEqual([])
  }
  expect(proxy.log.filter((e) => e.kind === 'forward')).toEqual([]) // tunnels only
  expect(new Set(proxy.log.map((e) => e.host))).toEqual(new Set([DEVIN_HOST, GITHUB_HOST]))
}

function expectHandedOff(x: Setup, r: ActionResult): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.stderr).toBe('') // no warning from undici or TLS on the way
  expect(r.outputs.result).toBe('finished')
  expect(r.stdout).toContain('Looking at it through the proxy.')
  expect(existsSync(join(x.s.checkout.workspace, 'devin-out', 'notes.md'))).toBe(true)
  expect(x.s.github.liveComments(PR)).toHaveLength(1)
}

describe('behind a proxy', () => {
  it('HTTPS_PROXY and HTTP_PROXY with a user and password the proxy checks: every request goes through it', async () => {
    const x = await setup({
      devin: 'https',
      github: 'http',
      proxy: { auth: { user: USER, password: PASSWORD } }
    })
    const url = x.proxy.urlWith(USER, PASSWORD)
    const r = await x.run({ HTTPS_PROXY: url, HTTP_PROXY: url })
    expectHandedOff(x, r)
    expectAllThroughProxy(x)
    const connects = x.proxy.log.filter((e) => e.kind === 'connect')
    expect(connects.map((e) => [e.user, e.answer])).toEqual(connects.map(() => [USER, 200]))
    expectNoProxyCredentials(x.s, r)
  })

  it('https_proxy and http_proxy in lower case, which win over the upper-case ones', async () => {
    const x = await setup({ devin: 'http', github: 'https' })
    const down = `http://127.0.0.1:${await closedPort()}`
    const r = await x.run({
      https_proxy: x.proxy.url,
      http_proxy: x.proxy.url,
      HTTPS_PROXY: down,
      HTTP_PROXY: down
    })
    expectHandedOff(x, r)
    expectAllThroughProxy(x)
  })

  it('never sends loopback through the proxy', async () => {
    const x = await setup({ devin: 'loopback', github: 'loopback' })
    const r = await x.run({ HTTPS_PROXY: x.proxy.url, HTTP_PROXY: x.proxy.url })
    expectHandedOff(x, r)
    expect(x.proxy.log).toEqual([])
    expect(x.s.devin.requests.some((q) => q.headers.via !== undefined)).toBe(false)
  })

  // The runner's own DNS knows the two names here (see resolveTestNamesOption): NO_PROXY's hosts
  // are then reached directly and the run succeeds, with nothing in the proxy's log. Reaching
  // them by 127.0.0.1 would prove only the loopback rule, which has its own test above.
  it('goes direct to the hosts NO_PROXY lists', async () => {
    const x = await setup({ devin: 'http', github: 'http' })
    const r = await x.run({
      HTTPS_PROXY: x.proxy.url,
      HTTP_PROXY: x.proxy.url,
      NO_PROXY: `${DEVIN_HOST},.proxy.test`,
      NODE_OPTIONS: resolveTestNamesOption()
    })
    expectHandedOff(x, r)
    expect(x.proxy.log).toEqual([])
    expect(x.s.github.requests.some((q) => q.headers.via !== undefined)).toBe(false)
  })

  it('a proxy that refuses its credentials fails the step naming the proxy, never them (GitHub)', async () => {
    const x = await setup({
      devin: 'http',
      github: 'https',
      proxy: { auth: { user: USER, password: 'another' } }
    })
    const url = x.proxy.urlWith(USER, PASSWORD)
    const r = await x.run({ HTTPS_PROXY: url, HTTP_PROXY: url })
    expect(r.code).toBe(1)
    expect(errorOf(r)).toBe(
      'GitHub API GET /repos/{owner}/{repo}/collaborators/{username}/permission failed: ' +
        `the proxy ${x.proxy.url} (HTTPS_PROXY) refused its user and password ` +
        '(407 Proxy Authentication Required); check them in HTTPS_PROXY'
    )
    // Refused at the proxy: nothing arrived, and a refusal is not sent again.
    expect(x.s.github.requests).toEqual([])
    expect(x.s.devin.requests).toEqual([])
    expect(x.proxy.log.filter((e) => e.kind === 'connect' && e.answer !== 407)).toEqual([])
    expectNoProxyCredentials(x.s, r)
  })

  it('a proxy that forbids the Devin API fails the step naming the proxy, in the PR comment too', async () => {
    const x = await setup({ devin: 'https', github: 'loopback', proxy: { refuse: 403 } })
    const url = x.proxy.urlWith(USER, PASSWORD)
    const r = await x.run({ HTTPS_PROXY: url, HTTP_PROXY: url })
    expect(r.code).toBe(1)
    const said =
      `the proxy ${x.proxy.url} (HTTPS_PROXY) refused to connect to ${new URL(x.s.devin.url).host} ` +
      '(403 Forbidden)'
    expect(errorOf(r)).toContain(
      `Devin API POST ${x.s.devin.url}/v3/organizations/${x.s.devin.orgId}/sessions failed: ${said}`
    )
    const [comment] = x.s.github.liveComments(PR)
    expect(renderedText(comment?.body ?? '')).toContain(said)
    expect(x.s.devin.requests).toEqual([])
    expect(x.proxy.log.map((e) => `${e.method} ${e.host} ${e.answer}`)).toEqual([
      `CONNECT ${DEVIN_HOST} 403`
    ])
    expectNoProxyCredentials(x.s, r)
  })

  it('a proxy that cannot be reached: the create is sent again, then fails for certain, no lookup', async () => {
    const x = await setup({ devin: 'http', github: 'loopback' })
    const down = await closedPort()
    const r = await x.run({
      HTTP_PROXY: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${down}`
    })
    expect(r.code).toBe(1)
    const said =
      `Devin API POST ${x.s.devin.url}/v3/organizations/${x.s.devin.orgId}/sessions failed: ` +
      `could not connect to the proxy http://127.0.0.1:${down} (HTTP_PROXY): ECONNREFUSED`
    expect(errorOf(r)).toBe(said)
    const warnings = r.commands.filter((c) => c.command === 'warning').map((c) => c.message)
    // Every try but the last warns that it is retrying; none says the session may exist.
    expect(warnings.filter((w) => w.startsWith(`${said}; retrying in `))).toHaveLength(4)
    expect(warnings.join('\n')).not.toMatch(/may or may not|looking for a session/)
    const [comment] = x.s.github.liveComments(PR)
    expect(renderedText(comment?.body ?? '')).toContain('could not connect to the proxy')
    expect(renderedText(comment?.body ?? '')).not.toMatch(/may or may not/)
    expect(x.s.devin.requests).toEqual([])
    expectNoProxyCredentials(x.s, r)
  })
})
