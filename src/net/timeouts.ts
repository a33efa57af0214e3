/** Network settings shared by the Devin and GitHub clients. */

/**
 * Per attempt of any HTTP request. `DEVIN_HANDOFF_REQUEST_TIMEOUT_MS` is undocumented for users:
 * it exists so the fault tests can exceed it with a scripted answer (README, "Contributing").
 */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.DEVIN_HANDOFF_REQUEST_TIMEOUT_MS) || 30_000
}

/**
 * Opening a connection (to the server, or to the proxy and through it), within the attempt's
 * time: 10 s, undici's own default, is long for a handshake yet leaves room to retry.
 */
export function connectTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return Math.min(10_000, requestTimeoutMs(env))
}
