/**
 * The shared network against a real forward proxy (test/helpers/proxy.ts). Targets are named
 * `devin.proxy.test`, which only that proxy resolves: a request that skipped it cannot arrive.
 */
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { Agent } from 'undici'
import { createNetwork, sharedNetwork, type Network } from '../../../src/net/dispatcher.ts'
import { ProxyConfigError, ProxyError } from '../../../src/net/proxy.ts'
import { closedPort, DEVIN_HOST, startTestProxy, VIA, type TestProxy } from '../../helpers/proxy.ts'
import { proxyEnv } from '../../helpers/proxy-env.ts'

const USER = 'proxy-user'
const PASSWORD = 'proxy-S3cret!'

let server: http.Server
let port = 0
const seen: http.IncomingHttpHeaders[] = []
beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers)
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`hello ${req.url}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const open: Array<Network | TestProxy | net.Server> = []
afterEach(async () => {
  for (const o of open.splice(0).reverse()) {
    if (o instanceof net.Server) await new Promise((resolve) => o.close(resolve))
    else await o.close()
  }
})

async function proxy(o: Parameters<typeof startTestProxy>[0] = {}): Promise<TestProxy> {
  const p = await startTestProxy(o)
  open.push(p)
  return p
}

/** A network made with exactly these proxy variables in the process's environment. */
function network(env: Record<string, string>, timeoutMs = 10_000): Network {
  proxyEnv(env)
  const n = createNetwork({ timeoutMs })
  open.push(n)
  return n
}

const named = (): string => `http://${DEVIN_HOST}:${port}`

async function get(n: Network, base: string, path = '/x'): Promise<string> {
  const res = await n.dispatcher.request({ origin: base, path, method: 'GET' })
  return `${res.statusCode} ${await res.body.text()}`
}

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure')
    },
    (err: unknown) => err as Error
  )
}

describe('createNetwork', () => {
  it('is a plain keep-alive Agent when no proxy variable is set', () => {
    expect(network({}).dispatcher).toBeInstanceOf(Agent)
    expect(network({ NO_PROXY: 'example.com' }).dispatcher).toBeInstanceOf(Agent)
  })

  it('sends through HTTP_PROXY, with request and with fetch, and the target sees the proxy', async () => {
    const p = await proxy()
    const n = network({ HTTP_PROXY: p.url })
    expect(await get(n, named())).toBe('200 hello /x')
    const res = await n.fetch(`${named()}/y?q=1`)
    expect(`${res.status} ${await res.text()}`).toBe('200 hello /y?q=1')
    expect(p.forwardedTo(DEVIN_HOST).map((e) => `${e.kind} ${e.method} ${e.path}`)).toEqual([
      'tunnelled GET /x',
      'tunnelled GET /y?q=1'
    ])
    expect(seen.at(-1)?.via).toBe(VIA)
  })

  it('sends the user and password of the proxy URL as Proxy-Authorization', async () => {
    const p = await proxy({ auth: { user: USER, password: PASSWORD } })
    const n = network({ http_proxy: p.urlWith(USER, PASSWORD) })
    expect(await get(n, named())).toBe('200 hello /x')
    expect(p.log.map((e) => [e.kind, e.user, e.answer])).toEqual([
      ['connect', USER, 200],
      ['tunnelled', undefined, 200]
    ])
    // The proxy's credentials go to the proxy only.
    expect(seen.at(-1)?.['proxy-authorization']).toBeUndefined()
  })

  it('never sends loopback through the proxy', async () => {
    const p = await proxy()
    const n = network({ HTTP_PROXY: p.url })
    expect(await get(n, `http://127.0.0.1:${port}`)).toBe('200 hello /x')
    expect(await get(n, `http://localhost:${port}`)).toBe('200 hello /x')
    expect(p.log).toEqual([])
  })

  it('goes direct for NO_PROXY hosts: here that fails, as only the proxy knows the name', async () => {
    const p = await proxy()
    const n = network({ HTTP_PROXY: p.url, NO_PROXY: 'proxy.test' })
    const err = await failure(get(n, named()))
    expect(err).toMatchObject({ code: 'ENOTFOUND' })
    expect(p.log).toEqual([])
  })
})

describe('a proxy that fails', () => {
  it('refusing the credentials: names the proxy as http://host:port, never the user or password', async () => {
    const p = await proxy({ auth: { user: USER, password: 'another' } })
    const n = network({
      HTTPS_PROXY: p.urlWith(USER, PASSWORD),
      HTTP_PROXY: p.urlWith(USER, PASSWORD)
    })
    const err = await failure(get(n, named()))
    expect(err).toBeInstanceOf(ProxyError)
    expect(err.message).toBe(
      `the proxy ${p.url} (HTTP_PROXY) refused its user and password ` +
        '(407 Proxy Authentication Required); check them in HTTP_PROXY'
    )
    const fetched = await failure(n.fetch(`${named()}/y`))
    expect(fetched).toBeInstanceOf(TypeError)
    expect(fetched.cause).toBeInstanceOf(ProxyError)
    for (const e of [err, fetched, fetched.cause as Error]) {
      const all = `${e.message} ${e.stack ?? ''} ${JSON.stringify(e)}`
      expect(all).not.toContain(USER)
      expect(all).not.toContain(PASSWORD)
      expect(all).not.toContain(encodeURIComponent(PASSWORD))
    }
  })

  it('forbidding the destination', async () => {
    const p = await proxy({ refuse: 403 })
    const err = await failure(get(network({ HTTP_PROXY: p.url }), named()))
    expect(err).toMatchObject({ code: 'PROXY_403', status: 403, refused: true })
    expect(err.message).toContain(`the proxy ${p.url} (HTTP_PROXY) refused to connect to`)
  })

  it('named by a variable it cannot use: that request fails, with request and with fetch', async () => {
    const n = network({ HTTP_PROXY: `socks5://${USER}:${PASSWORD}@127.0.0.1:1080` })
    const said = 'HTTP_PROXY names a socks5 proxy; only http:// and https:// proxies are supported'
    const err = await failure(get(n, named()))
    expect(err).toBeInstanceOf(ProxyConfigError)
    expect(err.message).toBe(said)
    const fetched = await failure(n.fetch(`${named()}/y`))
    expect(fetched.cause).toBeInstanceOf(ProxyConfigError)
    for (const e of [err, fetched]) expect(`${e.message} ${inspect(e)}`).not.toContain(PASSWORD)
    // Loopback never reads the variable: it still goes direct.
    expect(await get(n, `http://127.0.0.1:${port}`)).toBe('200 hello /x')
  })

  it('down (a closed port)', async () => {
    const down = await closedPort()
    const n = network({ HTTP_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${down}` })
    const err = await failure(get(n, named()))
    expect(err).toBeInstanceOf(ProxyError)
    expect(err.message).toBe(
      `could not connect to the proxy http://127.0.0.1:${down} (HTTP_PROXY): ECONNREFUSED`
    )
    expect(err).toMatchObject({ refused: false })
  })

  it('never answering the CONNECT: given up on within the request timeout, socket let go', async () => {
    let onClose = (): void => undefined
    const closed = new Promise<void>((resolve) => (onClose = resolve))
    const silent = net.createServer((socket) => {
      socket.resume() // reads, never answers
      socket.on('close', onClose)
    })
    open.push(silent)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const at = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    const err = await failure(get(network({ HTTP_PROXY: at }, 200), named()))
    expect(err).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' })
    // A hung proxy must not keep a socket (and the process) alive after the failure.
    await closed
  })
})

describe('close', () => {
  it('closes the proxy agents and the direct agent', async () => {
    const p = await proxy()
    proxyEnv({ HTTP_PROXY: p.url })
    const n = createNetwork()
    expect(await get(n, named())).toBe('200 hello /x')
    await n.close()
    const closed = /^UND_ERR_(CLOSED|DESTROYED)$/
    expect((await failure(get(n, named()))) as Error & { code?: string }).toMatchObject({
      code: expect.stringMatching(closed)
    })
    expect(await failure(get(n, `http://127.0.0.1:${port}`))).toMatchObject({
      code: expect.stringMatching(closed)
    })
  })
})

describe('sharedNetwork', () => {
  it('is one network for the whole process', () => {
    expect(sharedNetwork()).toBe(sharedNetwork())
  })
})
