/**
 * Which proxy a request goes through is the Actions toolkit's decision (`@actions/http-client`'s
 * `getProxyUrl` and `checkBypass`, which read `process.env` when asked): GitHub calls went through
 * the toolkit before, so a runner's settings keep exactly their meaning. What the toolkit leaves
 * to its caller is here: credentials moved out of the URL into `Proxy-Authorization`, the proxy
 * named as `http://host:port` and by its variable, values that cannot work refused, and the
 * failures at the proxy told as such.
 *
 * A proxy URL often carries a user and password: nothing here puts them in a message.
 */
import { STATUS_CODES } from 'node:http'
import { checkBypass, getProxyUrl } from '@actions/http-client/lib/proxy'

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

/** The variables the toolkit reads for a URL's scheme, in its order (`a || b`). */
function variablesFor(target: URL): [string, string] {
  return target.protocol === 'https:'
    ? ['https_proxy', 'HTTPS_PROXY']
    : ['http_proxy', 'HTTP_PROXY']
}

/** The variable the toolkit took `target`'s proxy from: the first one that is not empty. */
function variableFor(target: URL): string | undefined {
  return variablesFor(target).find((v) => process.env[v])
}

/** Whether any proxy variable is set: without one every request goes direct. */
export function proxyConfigured(): boolean {
  const names = [...variablesFor(new URL('https://x')), ...variablesFor(new URL('http://x'))]
  return names.some((v) => process.env[v])
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80'
}

/** `http://host:port` of a URL: what a message may say about a proxy. */
export function showProxy(url: URL): string {
  return `${url.protocol}//${url.hostname}:${url.port || defaultPort(url.protocol)}`
}

/**
 * The toolkit's reading of the variable, or undefined where it has none: it throws, or returns
 * nothing, for a value that is no URL even with `http://` in front.
 */
function toolkitUrl(target: URL, variable: string): URL | undefined {
  let url: URL | undefined
  try {
    url = getProxyUrl(target)
  } catch {
    return undefined
  }
  // The toolkit prefixes `http://` to a value without a scheme only when the value does not
  // parse, but `proxy.corp:3128` does parse, as a URL of scheme `proxy.corp:`. Read it as the
  // toolkit means to (and curl does): an http proxy.
  const raw = process.env[variable] ?? ''
  if (url && !/^https?:$/.test(url.protocol) && !raw.includes('://')) {
    try {
      return new URL(`http://${raw.trim()}`)
    } catch {
      return undefined
    }
  }
  return url
}

/** A proxy URL without its user and password, which go into a `Basic` value instead. */
function toRoute(found: URL, variable: string): ProxyRoute {
  if (found.protocol !== 'http:' && found.protocol !== 'https:')
    throw new ProxyConfigError(
      `${variable} names a ${found.protocol.slice(0, -1)} proxy; only http:// and https:// proxies are supported`,
      variable
    )
  // A fresh URL: the toolkit's decodes its user and password behind read-only getters.
  const url = new URL(found.href)
  let user: string
  let password: string
  try {
    user = decodeURIComponent(url.username)
    password = decodeURIComponent(url.password)
  } catch {
    throw notAUrl(variable)
  }
  url.username = ''
  url.password = ''
  const authorization =
    user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined
  return { url, authorization, shown: showProxy(url), variable }
}

function notAUrl(variable: string): ProxyConfigError {
  return new ProxyConfigError(`${variable} is not a URL; expected http://host:port`, variable)
}

/**
 * The proxy a request to `target` goes through, or undefined when it goes direct (the toolkit
 * bypasses loopback and what `NO_PROXY` lists). Throws {@link ProxyConfigError} when the variable
 * that applies cannot be used; one that no request needs is never read.
 */
export function proxyFor(target: URL): ProxyRoute | undefined {
  const variable = variableFor(target)
  if (!variable || checkBypass(target)) return undefined
  const found = toolkitUrl(target, variable)
  if (!found) throw notAUrl(variable)
  return toRoute(found, variable)
}

/**
 * A request that failed at the proxy, told with the proxy's `http://host:port` only. Nothing of
 * the request went past the proxy: the connection to it failed, or it answered the CONNECT with
 * an error, so the server never saw the request.
 */
export class ProxyError extends Error {
  override name = 'ProxyError'
  constructor(
    message: string,
    /** `PROXY_<status>` when the proxy answered, else the connection's error code. */
    readonly code: string,
    /** The proxy as `http://host:port`, or the variable whose value could not be used. */
    readonly proxy: string,
    /** The same request would fail the same way: not worth sending again. */
    readonly refused: boolean,
    readonly status?: number
  ) {
    super(message)
  }
}

/**
 * A proxy variable the action cannot use (SOCKS, not a URL). Names the variable, never its value,
 * which may hold a password. A failure at the proxy like any other, found where those are.
 */
export class ProxyConfigError extends ProxyError {
  override name = 'ProxyConfigError'
  constructor(message: string, variable: string) {
    super(message, 'PROXY_CONFIG', variable, true)
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
