/**
 * A small forward proxy for the tests, with absolute-URI forwarding (`GET http://host/path`) and
 * CONNECT tunnels. It resolves the test names itself (`devin.proxy.test`, `github.proxy.test` →
 * 127.0.0.1) and nothing else can, so a request that skipped the proxy cannot arrive anywhere.
 *
 * A tunnel is not spliced through blind: the proxy reads the requests inside it (terminating TLS
 * with a test CA for the names in `tls`, as an inspecting corporate proxy does) and forwards each
 * one, so its log lists every request, comparable with the emulators' logs. Each forwarded
 * request carries a `Via` header, as a real proxy's does.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http, { STATUS_CODES } from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'

/** The names only this proxy resolves. */
export const DEVIN_HOST = 'devin.proxy.test'
export const GITHUB_HOST = 'github.proxy.test'
export const VIA = '1.1 devin-handoff-test-proxy'

export interface ProxyLogEntry {
  /**
   * `connect`: a CONNECT; `tunnelled`: a request read inside a tunnel; `forward`: an
   * absolute-URI request.
   */
  kind: 'connect' | 'tunnelled' | 'forward'
  method: string
  /** The target's host name, lower case. */
  host: string
  port: number
  /** Path and query; empty for a CONNECT. */
  path: string
  /** The proxy's own refusal, or the status the target answered. */
  answer?: number
  /** The user named in `Proxy-Authorization`, if any. */
  user?: string
}

export interface TestProxyOptions {
  /** Demand this user and password (`Proxy-Authorization: Basic`); 407 without them. */
  auth?: { user: string; password: string }
  /** Answer every CONNECT and request with this status and forward nothing. */
  refuse?: number
  /** With `refuse`: refuse only this many, then forward as usual (a proxy that recovers). */
  refuseFirst?: number
  /** Names whose tunnels carry TLS, which the proxy terminates with this certificate. */
  tls?: { key: string; cert: string; names: string[] }
}

export interface TestProxy {
  /** `http://127.0.0.1:port`. */
  readonly url: string
  readonly port: number
  readonly log: ProxyLogEntry[]
  /** This proxy's URL with credentials in it, as users write it in `HTTPS_PROXY`. */
  urlWith(user: string, password: string): string
  /** The requests forwarded to `host` (tunnelled or absolute-URI), not the CONNECTs. */
  forwardedTo(host: string): ProxyLogEntry[]
  close(): Promise<void>
}

const RESOLVES: Record<string, string> = { [DEVIN_HOST]: '127.0.0.1', [GITHUB_HOST]: '127.0.0.1' }
/** Hop-by-hop headers a proxy does not pass on. */
const HOP = ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive']

interface Target {
  host: string
  port: number
}

function proxyUser(header: string | undefined): { user?: string; password?: string } {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!m?.[1]) return {}
  const plain = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = plain.indexOf(':')
  return { user: plain.slice(0, colon), password: plain.slice(colon + 1) }
}

/**
 * Why the proxy will not forward: its own status, or undefined to go ahead. `refused`: how many
 * it refused so far.
 */
function refusal(
  o: TestProxyOptions,
  header: string | undefined,
  t: Target,
  refused: number
): number | undefined {
  if (o.refuse !== undefined && refused < (o.refuseFirst ?? Infinity)) return o.refuse
  if (o.auth) {
    const given = proxyUser(header)
    if (given.user !== o.auth.user || given.password !== o.auth.password) return 407
  }
  return RESOLVES[t.host] === undefined ? 502 : undefined
}

function parseTarget(hostPort: string): Target | undefined {
  try {
    const u = new URL(`http://${hostPort}`)
    return { host: u.hostname.toLowerCase(), port: Number(u.port || 80) }
  } catch {
    return undefined
  }
}

export async function startTestProxy(o: TestProxyOptions = {}): Promise<TestProxy> {
  const log: ProxyLogEntry[] = []
  /** The proxy's own refusals so far (a tunnelled answer is the target's, not one). */
  const refusedSoFar = (): number =>
    log.filter((e) => e.kind !== 'tunnelled' && e.answer === o.refuse).length
  const sockets = new Set<Socket>()

  /** Sends one request on to the target (always plain HTTP on loopback) and pipes the answer. */
  const forward = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    t: Target,
    entry: ProxyLogEntry
  ): void => {
    log.push(entry)
    const headers: http.OutgoingHttpHeaders = { ...req.headers, via: VIA }
    for (const h of HOP) delete headers[h]
    const upstream = http.request(
      {
        host: RESOLVES[t.host],
        port: t.port,
        method: req.method,
        path: entry.path,
        headers,
        agent: false
      },
      (answer) => {
        entry.answer = answer.statusCode
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    // The target dropped the connection: so does the proxy, as a tunnel would.
    upstream.on('error', () => res.destroy())
    // The client gave up: the target sees its connection close too (`hang` faults rely on it).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  }

  const refuseRequest = (res: http.ServerResponse, status: number): void => {
    const headers: http.OutgoingHttpHeaders = { connection: 'close' }
    if (status === 407) headers['proxy-authenticate'] = 'Basic realm="test-proxy"'
    res.writeHead(status, headers)
    res.end(`${status} ${STATUS_CODES[status] ?? ''} (test proxy)\n`)
  }

  const server = http.createServer((req, res) => {
    const url = /^https?:\/\//i.test(req.url ?? '') ? new URL(req.url ?? '') : undefined
    const t = url && parseTarget(url.host)
    if (!url || !t) return refuseRequest(res, 400)
    const auth = req.headers['proxy-authorization']
    const entry: ProxyLogEntry = {
      kind: 'forward',
      method: req.method ?? '',
      ...t,
      path: `${url.pathname}${url.search}`,
      user: proxyUser(auth).user
    }
    const refused = refusal(o, auth, t, refusedSoFar())
    if (refused !== undefined) {
      log.push({ ...entry, answer: refused })
      return refuseRequest(res, refused)
    }
    forward(req, res, t, entry)
  })

  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    const auth = req.headers['proxy-authorization']
    const t = parseTarget(req.url ?? '')
    const entry: ProxyLogEntry = {
      kind: 'connect',
      method: 'CONNECT',
      host: t?.host ?? '',
      port: t?.port ?? 0,
      path: '',
      user: proxyUser(auth).user
    }
    log.push(entry)
    socket.on('error', () => socket.destroy())
    const refused = t ? refusal(o, auth, t, refusedSoFar()) : 400
    if (refused !== undefined || !t) {
      entry.answer = refused
      const challenge = refused === 407 ? 'Proxy-Authenticate: Basic realm="test-proxy"\r\n' : ''
      socket.end(
        `HTTP/1.1 ${refused} ${STATUS_CODES[refused ?? 400] ?? ''}\r\n${challenge}` +
          'Content-Length: 0\r\nConnection: close\r\n\r\n'
      )
      return
    }
    entry.answer = 200
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    const handler = (inner: http.IncomingMessage, res: http.ServerResponse): void =>
      forward(inner, res, t, {
        kind: 'tunnelled',
        method: inner.method ?? '',
        ...t,
        path: inner.url ?? '/'
      })
    // One never-listening server per tunnel reads the requests inside it.
    const tunnel = o.tls?.names.includes(t.host)
      ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler)
      : http.createServer(handler)
    tunnel.emit('connection', socket)
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    port,
    log,
    urlWith: (user, password) =>
      `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    forwardedTo: (host) => log.filter((e) => e.kind !== 'connect' && e.host === host),
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

/** A port nothing listens on (just released by the system): a proxy that is down. */
export async function closedPort(): Promise<number> {
  const s = http.createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise((resolve) => s.close(resolve))
  return port
}

export interface TestCertificates {
  /** The CA's certificate file, for `NODE_EXTRA_CA_CERTS`. */
  caFile: string
  ca: string
  key: string
  cert: string
  cleanup(): void
}

/** A throw-away CA and a certificate it signed for `names`, made by the openssl CLI. */
export function makeTestCertificates(names: string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'test-proxy-ca-'))
  const f = (name: string): string => join(dir, name)
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const ca = ['-subj', '/CN=devin-handoff test proxy CA', '-days', '2']
  ssl('req', '-x509', ...ec, ...ca, '-keyout', 'ca.key', '-out', 'ca.pem')
  writeFileSync(f('leaf.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`)
  ssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=proxy.test')
  ssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
    '-extfile',
    'leaf.ext'
  )
  return {
    caFile: f('ca.pem'),
    ca: readFileSync(f('ca.pem'), 'utf8'),
    key: readFileSync(f('leaf.key'), 'utf8'),
    cert: readFileSync(f('leaf.pem'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * `NODE_OPTIONS` that make the test names resolve to 127.0.0.1 inside the action's process, as a
 * runner whose own DNS knows internal hosts would. Only for the test of `NO_PROXY`: everywhere
 * else nothing but the proxy can resolve these names.
 */
export function resolveTestNamesOption(): string {
  const preload = `
    import dns from 'node:dns'
    const lookup = dns.lookup
    const names = ${JSON.stringify(Object.keys(RESOLVES))}
    dns.lookup = function (host, options, callback) {
      if (!names.includes(String(host).toLowerCase())) return lookup.call(this, host, options, callback)
      const done = typeof options === 'function' ? options : callback
      const all = typeof options === 'object' && options !== null && options.all
      process.nextTick(() =>
        all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)
      )
    }`
  return `--import=data:text/javascript,${encodeURIComponent(preload)}`
}
