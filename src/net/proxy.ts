/**
 * Which proxy a request goes through, read from the environment the way the Actions toolkit's
 * `@actions/http-client` reads it (GitHub calls went through it before, so a runner's settings
 * keep their meaning): `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for
 * http URLs (lower case first), `no_proxy`/`NO_PROXY` to go direct, and loopback never proxied.
 *
 * A proxy URL often carries a user and password: nothing here puts them in a message. A proxy is
 * named as `scheme://host:port` only.
 */
import { STATUS_CODES } from 'node:http'

export interface ProxyRoute {
  /** Where the proxy is, without its user and password. */
  readonly url: URL
  /** `Basic …` for `Proxy-Authorization` when the URL had a user or password. */
  readonly authorization?: string
  /** How messages name the proxy: `http://host:port`, never its credentials. */
  readonly shown: string
  /** The variable it came from, as it is spelled in the environment. */
  readonly variable: string
}

export interface ProxySettings {
  readonly http?: ProxyRoute
  readonly https?: ProxyRoute
  /** NO_PROXY entries, upper case. */
  readonly noProxy: readonly string[]
}

/** A proxy variable the action cannot use. Names the variable, never its value. */
export class ProxyConfigError extends Error {
  override name = 'ProxyConfigError'
}

/** The variable that is set, lower case first (as the toolkit and curl read them). */
function pick(env: NodeJS.ProcessEnv, name: string): [string, string] | undefined {
  for (const v of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[v]?.trim()
    if (value) return [v, value]
  }
  return undefined
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80'
}

/** `http://host:port` of a URL: what a message may say about a proxy. */
export function showProxy(url: URL): string {
  return `${url.protocol}//${url.hostname}:${url.port || defaultPort(url.protocol)}`
}

function route(env: NodeJS.ProcessEnv, name: string): ProxyRoute | undefined {
  const found = pick(env, name)
  if (!found) return undefined
  const [variable, raw] = found
  let url: URL
  try {
    // `proxy.corp:3128` without a scheme means http, as the toolkit reads it.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`)
  } catch {
    throw new ProxyConfigError(`${variable} is not a URL; expected http://host:port`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ProxyConfigError(
      `${variable} names a ${url.protocol.slice(0, -1)} proxy; only http:// and https:// proxies are supported`
    )
  const user = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  const authorization =
    user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined
  return { url, authorization, shown: showProxy(url), variable }
}

export function readProxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const noProxy = (pick(env, 'no_proxy')?.[1] ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean)
  return { http: route(env, 'http_proxy'), https: route(env, 'https_proxy'), noProxy }
}

/** Loopback names and addresses: never proxied, whatever the variables say. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase()
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(h) ||
    h === '[::1]' ||
    h.startsWith('[::ffff:7f')
  )
}

/**
 * NO_PROXY as the toolkit reads it: `*`, a host, `host:port`, a domain (matches its subdomains
 * too), `.domain` (subdomains only); `*.domain` is read as `.domain`.
 */
export function bypassesProxy(target: URL, noProxy: readonly string[]): boolean {
  const host = target.hostname.toUpperCase()
  const hosts = [host, `${host}:${target.port || defaultPort(target.protocol)}`]
  return noProxy.some((raw) => {
    if (raw === '*') return true
    const entry = raw.startsWith('*.') ? raw.slice(1) : raw
    return hosts.some(
      (h) => h === entry || h.endsWith(`.${entry}`) || (entry.startsWith('.') && h.endsWith(entry))
    )
  })
}

/** The proxy a request to `target` goes through, or undefined when it goes direct. */
export function proxyFor(target: URL, s: ProxySettings): ProxyRoute | undefined {
  const via = target.protocol === 'https:' ? s.https : s.http
  if (!via || isLoopback(target.hostname) || bypassesProxy(target, s.noProxy)) return undefined
  return via
}

/** A request that failed at the proxy, told with the proxy's `http://host:port` only. */
export class ProxyError extends Error {
  override name = 'ProxyError'
  constructor(
    message: string,
    /** `PROXY_<status>` when the proxy answered, else the connection's error code. */
    readonly code: string,
    readonly proxy: string,
    /** The proxy refused (a 4xx): the same request will be refused again. */
    readonly refused: boolean,
    readonly status?: number
  ) {
    super(message)
  }
}

/** The proxy itself could not be reached: nothing was sent past it. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT'
])

function chain(err: unknown): Array<{ code?: unknown; message?: unknown }> {
  const out: Array<{ code?: unknown; message?: unknown; cause?: unknown }> = []
  for (let e = err as { cause?: unknown } | undefined; e && out.length < 5;) {
    out.push(e as never)
    e = e.cause as { cause?: unknown } | undefined
  }
  return out
}

/** The status a proxy answered a CONNECT (or a forwarded request) with, as undici reports it. */
function proxyStatus(err: unknown): number | undefined {
  for (const e of chain(err)) {
    const m = /Proxy response \((\d{3})\)|Proxy Authentication Required \((407)\)/.exec(
      String(e.message ?? '')
    )
    if (m) return Number(m[1] ?? m[2])
  }
  return undefined
}

function refusalText(status: number, r: ProxyRoute, target: URL): string {
  const answer = `${status} ${STATUS_CODES[status] ?? 'Error'}`
  const proxy = `the proxy ${r.shown} (${r.variable})`
  if (status === 407)
    return r.authorization
      ? `${proxy} refused its user and password (${answer}); check them in ${r.variable}`
      : `${proxy} asks for a user and password (${answer}); give them in ${r.variable} as http://user:password@host:port`
  if (status >= 500) return `${proxy} could not reach ${target.host} (${answer})`
  return `${proxy} refused to connect to ${target.host} (${answer}); ask for ${target.hostname} to be allowed, or list it in NO_PROXY if the runner reaches it directly`
}

/**
 * What went wrong at the proxy, or undefined when the failure is not the proxy's (a timeout, a
 * connection the server dropped): those keep their own error.
 */
export function proxyFailure(err: unknown, r: ProxyRoute, target: URL): ProxyError | undefined {
  const status = proxyStatus(err)
  if (status !== undefined)
    return new ProxyError(
      refusalText(status, r, target),
      `PROXY_${status}`,
      r.shown,
      status < 500,
      status
    )
  const code = chain(err)
    .map((e) => e.code)
    .find((c): c is string => typeof c === 'string' && UNREACHABLE.has(c))
  if (code === undefined) return undefined
  return new ProxyError(
    `could not connect to the proxy ${r.shown} (${r.variable}): ${code}`,
    code,
    r.shown,
    false
  )
}

/** The proxy failure somewhere in an error's causes (Octokit and fetch wrap it). */
export function findProxyError(err: unknown): ProxyError | undefined {
  return chain(err).find((e): e is ProxyError => e instanceof ProxyError)
}
