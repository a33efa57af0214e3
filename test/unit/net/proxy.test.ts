import { describe, expect, it } from 'vitest'
import {
  bypassesProxy,
  findProxyError,
  isLoopback,
  proxyFailure,
  proxyFor,
  ProxyConfigError,
  ProxyError,
  readProxySettings,
  showProxy,
  type ProxyRoute
} from '../../../src/net/proxy.ts'

const USER = 'alice'
const PASSWORD = 'pa:ss/w@rd'
const WITH_CREDENTIALS = `http://${USER}:${encodeURIComponent(PASSWORD)}@proxy.corp:3128`

function route(env: NodeJS.ProcessEnv, target = 'https://api.devin.ai'): ProxyRoute | undefined {
  return proxyFor(new URL(target), readProxySettings(env))
}

describe('readProxySettings', () => {
  it('takes https_proxy for https URLs and http_proxy for http URLs, lower case first', () => {
    const env = {
      https_proxy: 'http://lower-s:1',
      HTTPS_PROXY: 'http://upper-s:2',
      HTTP_PROXY: 'http://upper:3'
    }
    expect(route(env)?.shown).toBe('http://lower-s:1')
    expect(route(env)?.variable).toBe('https_proxy')
    expect(route(env, 'http://ghes.corp')?.shown).toBe('http://upper:3')
    expect(route(env, 'http://ghes.corp')?.variable).toBe('HTTP_PROXY')
  })

  it('reads the upper-case variable when the lower-case one is empty', () => {
    expect(route({ https_proxy: ' ', HTTPS_PROXY: 'http://upper:2' })?.variable).toBe('HTTPS_PROXY')
  })

  it('does not send https through HTTP_PROXY (the toolkit does not either)', () => {
    expect(route({ HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined()
  })

  it('reads host:port without a scheme as an http proxy, and fills in the default port', () => {
    expect(route({ HTTPS_PROXY: 'proxy.corp:3128' })?.shown).toBe('http://proxy.corp:3128')
    expect(route({ HTTPS_PROXY: 'http://proxy.corp' })?.shown).toBe('http://proxy.corp:80')
    expect(route({ HTTPS_PROXY: 'https://proxy.corp' })?.shown).toBe('https://proxy.corp:443')
  })

  it('moves the user and password into a Proxy-Authorization value, out of the URL', () => {
    const r = route({ HTTPS_PROXY: WITH_CREDENTIALS })
    expect(r?.url.href).toBe('http://proxy.corp:3128/')
    expect(r?.shown).toBe('http://proxy.corp:3128')
    const decoded = Buffer.from(r?.authorization?.replace(/^Basic /, '') ?? '', 'base64')
    expect(decoded.toString()).toBe(`${USER}:${PASSWORD}`)
    expect(route({ HTTPS_PROXY: 'http://proxy.corp:3128' })?.authorization).toBeUndefined()
  })

  it('refuses a proxy URL it cannot use, naming the variable and not its value', () => {
    const bad = () => readProxySettings({ HTTPS_PROXY: `http://${USER}:${PASSWORD}@[bad` })
    expect(bad).toThrow(ProxyConfigError)
    expect(bad).toThrow(/^HTTPS_PROXY is not a URL/)
    expect(bad).not.toThrow(new RegExp(USER))
    expect(() => readProxySettings({ http_proxy: `socks5://${USER}:x@proxy:1080` })).toThrow(
      'http_proxy names a socks5 proxy; only http:// and https:// proxies are supported'
    )
  })

  it('splits NO_PROXY on commas, trimmed, lower case first', () => {
    expect(readProxySettings({ no_proxy: ' a.corp , ,b.corp', NO_PROXY: 'c' }).noProxy).toEqual([
      'A.CORP',
      'B.CORP'
    ])
  })
})

describe('proxyFor', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128' }

  it('never proxies loopback', () => {
    for (const target of [
      'http://localhost:8080',
      'http://api.localhost',
      'http://127.0.0.1:3000',
      'http://127.1.2.3',
      'http://127.1',
      'http://[::1]:3000',
      'http://[::ffff:127.0.0.1]'
    ])
      expect(route(env, target), target).toBeUndefined()
    expect(isLoopback('128.0.0.1')).toBe(false)
    expect(isLoopback('localhost.evil.com')).toBe(false)
  })

  it('proxies everything else', () => {
    expect(route(env, 'https://api.devin.ai')?.shown).toBe('http://proxy:3128')
    expect(route(env, 'http://10.0.0.1')?.shown).toBe('http://proxy:3128')
  })

  it('goes direct for NO_PROXY hosts as the toolkit reads them', () => {
    const no = (list: string, target: string) =>
      bypassesProxy(new URL(target), readProxySettings({ NO_PROXY: list }).noProxy)
    expect(no('api.devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('.devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('*.devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('API.DEVIN.AI', 'https://api.devin.ai')).toBe(true)
    expect(no('api.devin.ai:443', 'https://api.devin.ai')).toBe(true)
    expect(no('ghes.corp:8443', 'https://ghes.corp:8443/api/v3')).toBe(true)
    expect(no('*', 'https://anything.example')).toBe(true)
  })

  it('does not go direct for look-alikes, other ports or a bare parent entry', () => {
    const no = (list: string, target: string) =>
      bypassesProxy(new URL(target), readProxySettings({ NO_PROXY: list }).noProxy)
    expect(no('devin.ai', 'https://evil-devin.ai')).toBe(false)
    expect(no('devin.ai', 'https://devin.ai.evil.com')).toBe(false)
    expect(no('api.devin.ai:8443', 'https://api.devin.ai')).toBe(false)
    expect(no('.devin.ai', 'https://xdevin.ai')).toBe(false)
    expect(no('', 'https://api.devin.ai')).toBe(false)
    expect(route({ ...env, NO_PROXY: 'github.com' }, 'https://api.devin.ai')).toBeDefined()
    expect(route({ ...env, NO_PROXY: 'devin.ai' }, 'https://api.devin.ai')).toBeUndefined()
  })
})

describe('proxyFailure', () => {
  const target = new URL('https://api.devin.ai/v3/self')
  const withAuth = route({ HTTPS_PROXY: WITH_CREDENTIALS })!
  const without = route({ HTTPS_PROXY: 'http://proxy.corp:3128' })!
  const tunnel = (status: number) =>
    Object.assign(new Error(`Proxy response (${status}) !== 200 when HTTP Tunneling`), {
      code: 'UND_ERR_ABORTED'
    })

  it('names the proxy by host and port when it refuses the credentials, never the credentials', () => {
    const e = proxyFailure(tunnel(407), withAuth, target)
    expect(e).toBeInstanceOf(ProxyError)
    expect(e?.message).toBe(
      'the proxy http://proxy.corp:3128 (HTTPS_PROXY) refused its user and password ' +
        '(407 Proxy Authentication Required); check them in HTTPS_PROXY'
    )
    expect(e).toMatchObject({ code: 'PROXY_407', status: 407, refused: true })
    expect(e?.message).not.toContain(USER)
    expect(e?.message).not.toContain('pa:ss')
  })

  it('says how to give credentials when the proxy asks and none were given', () => {
    expect(proxyFailure(tunnel(407), without, target)?.message).toBe(
      'the proxy http://proxy.corp:3128 (HTTPS_PROXY) asks for a user and password ' +
        '(407 Proxy Authentication Required); give them in HTTPS_PROXY as ' +
        'http://user:password@host:port'
    )
  })

  it('reads a 407 to an absolute-URI request too', () => {
    const e = new Error('Proxy Authentication Required (407)')
    expect(proxyFailure(e, without, target)?.status).toBe(407)
  })

  it('tells a forbidden destination from a proxy that cannot reach it', () => {
    const forbidden = proxyFailure(tunnel(403), withAuth, target)
    expect(forbidden?.message).toBe(
      'the proxy http://proxy.corp:3128 (HTTPS_PROXY) refused to connect to api.devin.ai ' +
        '(403 Forbidden); ask for api.devin.ai to be allowed, or list it in NO_PROXY if the ' +
        'runner reaches it directly'
    )
    expect(forbidden?.refused).toBe(true)
    const gateway = proxyFailure(tunnel(502), withAuth, target)
    expect(gateway?.message).toBe(
      'the proxy http://proxy.corp:3128 (HTTPS_PROXY) could not reach api.devin.ai (502 Bad Gateway)'
    )
    expect(gateway?.refused).toBe(false)
  })

  it('names an unreachable proxy with the connection error code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3128'), {
      code: 'ECONNREFUSED'
    })
    const e = proxyFailure(new TypeError('fetch failed', { cause: refused }), withAuth, target)
    expect(e?.message).toBe(
      'could not connect to the proxy http://proxy.corp:3128 (HTTPS_PROXY): ECONNREFUSED'
    )
    expect(e).toMatchObject({ code: 'ECONNREFUSED', refused: false })
  })

  it('leaves failures that are not the proxy’s alone', () => {
    const timeout = Object.assign(new Error('Headers Timeout Error'), {
      code: 'UND_ERR_HEADERS_TIMEOUT'
    })
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    expect(proxyFailure(timeout, withAuth, target)).toBeUndefined()
    expect(proxyFailure(reset, withAuth, target)).toBeUndefined()
    expect(proxyFailure(new Error('Request aborted'), withAuth, target)).toBeUndefined()
  })

  it('is found however deep the callers wrapped it', () => {
    const e = proxyFailure(tunnel(403), withAuth, target)!
    const wrapped = new Error('outer', { cause: new TypeError('fetch failed', { cause: e }) })
    expect(findProxyError(wrapped)).toBe(e)
    expect(findProxyError(new Error('no proxy here'))).toBeUndefined()
  })
})

describe('showProxy', () => {
  it('keeps scheme, host and port only', () => {
    expect(showProxy(new URL('https://u:p@proxy.corp:8443/path?q=1'))).toBe(
      'https://proxy.corp:8443'
    )
  })
})
