/** A sync against the real Devin emulator (the real client over loopback) and the GitHub fake. */
import { afterEach } from 'vitest'
import { DevinClient } from '../../../src/devin/client.ts'
import { syncSessions, type SyncResult } from '../../../src/sync/sync.ts'
import { startDevinEmulator, type DevinEmulator } from '../../emulators/devin.ts'
import { forDevin } from '../../helpers/gated.ts'
import { recordingLog, type RecordedLog } from '../../helpers/log.ts'
import { fakeRender, GitHubFake, SLUG } from './fakes.ts'

const cleanups: Array<() => Promise<void>> = []

// close() also fails on conformance violations no test took: every request here is checked.
afterEach(async () => {
  while (cleanups.length) await cleanups.shift()?.()
})

export interface Harness {
  devin: DevinEmulator
  gh: GitHubFake
  log: RecordedLog
  /** The clock sync reads; tests move it. */
  clock: { now: number }
  sync(): Promise<SyncResult>
  /** Devin requests by route since the last call. */
  devinCounts(): Record<string, number>
}

export const LIST = 'GET /v3/organizations/:org/sessions'
export const MESSAGES = 'GET /v3/organizations/:org/sessions/:id/messages'
export const PUT_TAGS = 'PUT /v3/organizations/:org/sessions/:id/tags'

export async function harness(gh = new GitHubFake()): Promise<Harness> {
  const devin = await startDevinEmulator()
  const client = new DevinClient({
    apiUrl: devin.url,
    apiKey: devin.apiKey,
    random: () => 0,
    sleep: async () => undefined
  })
  // Servers drop their connections before the client waits for what is in flight.
  cleanups.push(
    () => devin.close(),
    () => client.close()
  )
  const log = recordingLog()
  const clock = { now: Date.UTC(2026, 0, 2) }
  let seen = 0
  return {
    devin,
    gh,
    log,
    clock,
    sync: () =>
      syncSessions({
        devin: client,
        github: gh,
        render: fakeRender,
        screenTags: async (tags) => forDevin(tags),
        clean: (text) => text,
        orgId: devin.orgId,
        slug: SLUG,
        clock: () => clock.now,
        log
      }),
    devinCounts() {
      const out = devin.requestCounts(seen)
      seen = devin.requests.length
      return out
    }
  }
}
