/**
 * The one network both clients use: an undici keep-alive `Agent` with connect, headers and body
 * timeouts, and a `ProxyAgent` (same timeouts) per proxy when the environment names one (see
 * ./proxy.ts, which asks the Actions toolkit, per request, which proxy applies). Devin calls go through its dispatcher (`request`), GitHub calls through its
 * `fetch` (Octokit's `request.fetch`), so both honour the runner's proxy without
 * `NODE_USE_ENV_PROXY`, which Node's built-in `fetch` would need, and both get the same timeouts.
 *
 * Ownership: the network belongs to the process, not to a client. {@link sharedNetwork} makes it
 * on first use and both clients borrow it; a client's `close()` never closes it, because the
 * GitHub client still writes the final comment after the Devin client is done. It needs no
 * closing at exit: undici unrefs idle keep-alive sockets, so they never hold the process open.
 * Whoever calls {@link createNetwork} (tests) closes what it made.
 */
import {
  Agent,
  DecoratorHandler,
  Dispatcher,
  Pool,
  ProxyAgent,
  fetch as undiciFetch,
  type RequestInit,
  type Response
} from 'undici'
import { proxyConfigured, proxyFailure, proxyFor, type ProxyRoute } from './proxy.js'
import { connectTimeoutMs, requestTimeoutMs } from './timeouts.js'

export interface Network {
  /** Every request of both clients goes through it. */
  readonly dispatcher: Dispatcher
  /** undici's `fetch` on {@link dispatcher}: what Octokit sends with. */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
  close(): Promise<void>
}

type Handlers = Dispatcher.DispatchHandlers
/** DecoratorHandler passes every callback on; its typings just do not list them. */
const Decorator = DecoratorHandler as unknown as new (h: Handlers) => {
  onError(err: Error): void
}

/** Tells a failure at the proxy as such, naming the proxy, before undici's caller sees it. */
class ProxyErrors extends Decorator {
  readonly #route: ProxyRoute
  readonly #target: URL
  constructor(handler: Handlers, route: ProxyRoute, target: URL) {
    super(handler)
    this.#route = route
    this.#target = target
  }
  override onError(err: Error): void {
    super.onError(proxyFailure(err, this.#route, this.#target) ?? err)
  }
}

/** Sends each request direct or through the proxy ./proxy.ts picks for its origin. */
class ProxyRouter extends Dispatcher {
  readonly #direct: Agent
  /** By the proxy's URL and credentials: a route is worked out afresh for each request. */
  readonly #proxies = new Map<string, ProxyAgent>()
  readonly #pick: (url: URL) => ProxyRoute | undefined
  readonly #make: (route: ProxyRoute) => ProxyAgent

  constructor(
    direct: Agent,
    pick: (url: URL) => ProxyRoute | undefined,
    make: (route: ProxyRoute) => ProxyAgent
  ) {
    super()
    this.#direct = direct
    this.#pick = pick
    this.#make = make
    this.#relay(direct)
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Handlers): boolean {
    const target = new URL(String(opts.origin))
    let route: ProxyRoute | undefined
    try {
      route = this.#pick(target)
    } catch (err) {
      // A proxy variable that cannot be used fails this request, as undici's own dispatchers
      // fail one they cannot send: through the handler, so `request` and `fetch` reject with it.
      handler.onError?.(err as Error)
      return false
    }
    if (!route) return this.#direct.dispatch(opts, handler)
    const key = `${route.url.href} ${route.authorization ?? ''}`
    let agent = this.#proxies.get(key)
    if (!agent) this.#proxies.set(key, (agent = this.#relay(this.#make(route))))
    return agent.dispatch(opts, new ProxyErrors(handler, route, target) as Handlers)
  }

  override close(): Promise<void>
  override close(callback: () => void): void
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all(this.#all().map((d) => d.close())).then(() => undefined)
    if (!callback) return done
    void done.then(callback, callback)
  }

  override destroy(): Promise<void>
  override destroy(err: Error | null): Promise<void>
  override destroy(callback: () => void): void
  override destroy(err: Error | null, callback: () => void): void
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === 'function' ? null : (a ?? null)
    const callback = typeof a === 'function' ? a : b
    const done = Promise.all(this.#all().map((d) => d.destroy(err))).then(() => undefined)
    if (!callback) return done
    void done.then(callback, callback)
  }

  #all(): Dispatcher[] {
    return [this.#direct, ...this.#proxies.values()]
  }

  /** A caller told to wait (dispatch returned false) waits for this dispatcher's `drain`. */
  #relay<T extends Dispatcher>(d: T): T {
    d.on('drain', (origin: URL) => this.emit('drain', origin))
    return d
  }
}

export interface NetworkOptions {
  /** Headers and body idle time per request; ./timeouts.ts by default. */
  timeoutMs?: number
}

/**
 * The proxy variables are the process's (`process.env`), as the toolkit reads them: whether any
 * is set is decided here, which proxy a request takes when it is sent.
 */
export function createNetwork(o: NetworkOptions = {}): Network {
  const timeoutMs = o.timeoutMs ?? requestTimeoutMs()
  const connect = { timeout: Math.min(connectTimeoutMs(), timeoutMs) }
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs }
  const direct = new Agent({ ...timeouts, connect })
  const dispatcher: Dispatcher = proxyConfigured()
    ? new ProxyRouter(
        direct,
        proxyFor,
        (route) =>
          new ProxyAgent({
            uri: route.url.href,
            token: route.authorization,
            ...timeouts,
            // Every request is tunnelled with CONNECT, http targets too, as the toolkit does:
            // a proxy's refusal then comes as its own answer to the CONNECT, never mistaken
            // for the server's.
            proxyTunnel: true,
            proxyTls: connect,
            requestTls: connect,
            // The CONNECT itself waits no longer than a request would.
            clientFactory: (origin, opts) => new Pool(origin, { ...opts, ...timeouts })
          })
      )
    : direct
  return {
    dispatcher,
    fetch: (input, init) => undiciFetch(input, { ...init, dispatcher }),
    close: () => dispatcher.close()
  }
}

let shared: Network | undefined

/** The process's network, made from its environment on first use (see the file comment). */
export function sharedNetwork(): Network {
  return (shared ??= createNetwork())
}
