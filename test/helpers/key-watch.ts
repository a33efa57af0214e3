/**
 * A client test's guard against a leaked credential: every message it saw (errors, log lines)
 * is checked after each test for the key, and what the test opened is closed, clients first
 * (they wait for requests in flight), then emulators, whose close() also fails on a request or
 * answer off the documented shapes.
 */
import { afterEach, expect } from 'vitest'

export function keyWatch(...secrets: string[]): {
  seen: string[]
  cleanups: Array<() => Promise<void>>
} {
  const w = { seen: [] as string[], cleanups: [] as Array<() => Promise<void>> }
  afterEach(async () => {
    const leaked = w.seen.filter((m) => secrets.some((s) => m.includes(s)))
    w.seen.length = 0
    const results = await Promise.allSettled(w.cleanups.splice(0).map((c) => c()))
    expect(leaked).toEqual([])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  })
  return w
}
