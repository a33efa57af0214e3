import { describe, expect, it } from 'vitest'
import {
  findProxyError,
  proxyConfigured,
  proxyFailure,
  proxyFor,
  ProxyConfigError,
  ProxyError,
  showProxy,
  type ProxyRoute
} from '../../../src/net/proxy.ts'
import { proxyEnv } from '../../helpers/proxy-env.ts'

const USER = 'alice'
const PASSWORD = 'pa:ss/w@rd'
const WITH_CREDENTIALS = `http://${USER}:${encodeURIComponent(PASSWORD)}@proxy.corp:3128`

function route(
  env: Record<string, string>,
  target = 'https://api.devin.ai'
): ProxyRoute | undefined {
  proxyEnv(env)
  return proxyFor(new URL(target))
}

describe('proxyFor: which variable', () => {
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
    expect(route({ https_proxy: '', HTTPS_PROXY: 'http://upper:2' })?.variable).toBe('HTTPS_PROXY')
  })

  it('does not send https through HTTP_PROXY (the toolkit does not either)', () => {
    expect(route({ HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined()
  })

  it('reads a value without a scheme as an http proxy, and fills in the default port', () => {
    // The toolkit prefixes http:// itself only when the value does not parse as a URL.
    expect(route({ HTTPS_PROXY: '10.0.0.9:3128' })?.shown).toBe('http://10.0.0.9:3128')
    // `proxy.corp:3128` does parse (as scheme `proxy.corp:`): read as the toolkit means it.
    expect(route({ HTTPS_PROXY: 'proxy.corp:3128' })?.shown).toBe('http://proxy.corp:3128')
    expect(route({ HTTPS_PROXY: 'localhost:3128' })?.shown).toBe('http://localhost:3128')
    expect(route({ HTTPS_PROXY: 'http://proxy.corp' })?.shown).toBe('http://proxy.corp:80')
    expect(route({ HTTPS_PROXY: 'https://proxy.corp' })?.shown).toBe('https://proxy.corp:443')
    expect(route({ HTTPS_PROXY: ' http://proxy.corp:8080 ' })?.shown).toBe('http://proxy.corp:8080')
  })

  it('moves the user and password into a Proxy-Authorization value, out of the URL', () => {
    for (const value of [WITH_CREDENTIALS, WITH_CREDENTIALS.replace('http://', '')]) {
      const r = route({ HTTPS_PROXY: value })
      expect(r?.url.href).toBe('http://proxy.corp:3128/')
      expect(r?.shown).toBe('http://proxy.corp:3128')
      const decoded = Buffer.from(r?.authorization?.replace(/^Basic /, '') ?? '', 'base64')
      expect(decoded.toString()).toBe(`${USER}:${PASSWORD}`)
    }
    expect(route({ HTTPS_PROXY: 'http://proxy.corp:3128' })?.authorization).toBeUndefined()
  })

  it('refuses a proxy URL it cannot use, naming the variable and not its value', () => {
    for (const value of [
      `http://${USER}:${PASSWORD}@[bad`, // the toolkit reads no proxy here: it would go direct
      `${USER}:${PASSWORD}@[bad`, // the toolkit throws
      `http://${USER}:%zz@proxy.corp:3128`, // a password it cannot decode
      ' ' // set, so the toolkit reads it, and empty: the toolkit does not trim
    ]) {
      const bad = () => route({ HTTPS_PROXY: value })
      expect(bad, value).toThrow(ProxyConfigError)
      expect(bad, value).toThrow(/^HTTPS_PROXY is not a URL; expected http:\/\/host:port$/)
    }
    const socks = () => route({ https_proxy: `socks5://${USER}:x@proxy:1080` })
    expect(socks).toThrow(
      'https_proxy names a socks5 proxy; only http:// and https:// proxies are supported'
    )
    // A failure at the proxy like the others: not sent again, found where they are.
    const err = (() => {
      try {
        socks()
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ProxyError)
    expect(err).toMatchObject({ code: 'PROXY_CONFIG', proxy: 'https_proxy', refused: true })
  })

  it('reads a bad variable only for the requests that would use it', () => {
    const env = { HTTP_PROXY: 'socks5://proxy:1080', HTTPS_PROXY: 'http://proxy:3128' }
    expect(route(env)?.shown).toBe('http://proxy:3128')
    expect(() => route(env, 'http://ghes.corp')).toThrow(/^HTTP_PROXY names a socks5 proxy/)
    expect(route({ ...env, NO_PROXY: 'ghes.corp' }, 'http://ghes.corp')).toBeUndefined()
  })
})

describe('proxyConfigured', () => {
  it('is true when any of the four proxy variables is set, not for NO_PROXY alone', () => {
    for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY']) {
      proxyEnv({ [name]: 'http://proxy:3128' })
      expect(proxyConfigured(), name).toBe(true)
    }
    proxyEnv({ NO_PROXY: 'example.com', https_proxy: '' })
    expect(proxyConfigured()).toBe(false)
  })
})

describe('proxyFor: what goes direct (the toolkit’s checkBypass)', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128' }

  it('never proxies loopback: localhost, 127.*, ::1', () => {
    for (const target of [
      'http://localhost:8080',
      'http://LOCALHOST',
      'http://127.0.0.1:3000',
      'http://127.1.2.3',
      'http://127.1', // the URL parser makes it 127.0.0.1
      'http://[::1]:3000',
      'http://[0:0:0:0:0:0:0:1]'
    ])
      expect(route(env, target), target).toBeUndefined()
  })

  it('proxies what the toolkit does not count as loopback', () => {
    for (const target of [
      'https://api.devin.ai',
      'http://10.0.0.1',
      'http://128.0.0.1',
      'http://localhost.evil.com',
      // Loopback too, but the toolkit does not know them: they go through the proxy.
      'http://api.localhost',
      'http://[::ffff:127.0.0.1]'
    ])
      expect(route(env, target)?.shown, target).toBe('http://proxy:3128')
  })

  it('goes direct for NO_PROXY hosts as the toolkit reads them', () => {
    const no = (list: string, target: string) =>
      route({ ...env, NO_PROXY: list }, target) === undefined
    expect(no('api.devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('.devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(no('API.DEVIN.AI', 'https://api.devin.ai')).toBe(true)
    expect(no('api.devin.ai:443', 'https://api.devin.ai')).toBe(true)
    expect(no('ghes.corp:8443', 'https://ghes.corp:8443/api/v3')).toBe(true)
    expect(no('*', 'https://anything.example')).toBe(true)
    expect(no(' github.com , ,devin.ai', 'https://api.devin.ai')).toBe(true)
    expect(route({ ...env, no_proxy: 'github.com', NO_PROXY: 'devin.ai' })).toBeDefined()
  })

  it('does not go direct for look-alikes, other ports, or `*.domain` (the toolkit has no wildcards)', () => {
    const no = (list: string, target: string) =>
      route({ ...env, NO_PROXY: list }, target) === undefined
    expect(no('devin.ai', 'https://evil-devin.ai')).toBe(false)
    expect(no('devin.ai', 'https://devin.ai.evil.com')).toBe(false)
    expect(no('api.devin.ai:8443', 'https://api.devin.ai')).toBe(false)
    expect(no('.devin.ai', 'https://xdevin.ai')).toBe(false)
    expect(no('*.devin.ai', 'https://api.devin.ai')).toBe(false)
    expect(no('', 'https://api.devin.ai')).toBe(false)
    expect(no('github.com', 'https://api.devin.ai')).toBe(false)
  })
})

describe('proxyFailure', () => {
  const target = new URL('https://api.devin.ai/v3/self')
  const withAuth: ProxyRoute = {
    url: new URL('http://proxy.corp:3128'),
    authorization: 'Basic x',
    shown: 'http://proxy.corp:3128',
    variable: 'HTTPS_PROXY'
  }
  const without: ProxyRoute = { ...withAuth, authorization: undefined }
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
