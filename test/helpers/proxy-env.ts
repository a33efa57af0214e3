/**
 * The proxy variables for one test. The toolkit's proxy rules (src/net/proxy.ts) read
 * `process.env`, so a test sets them there: exactly the ones given, the machine's own cleared
 * (a CI runner behind a proxy must not change what a test sees), all restored when it ends.
 */
import { onTestFinished, vi } from 'vitest'

const NAMES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY']

/** Call from inside a test (or a helper a test calls). */
export function proxyEnv(vars: Record<string, string> = {}): void {
  for (const name of NAMES) vi.stubEnv(name, vars[name])
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value)
  onTestFinished(() => {
    vi.unstubAllEnvs()
  })
}
