/**
 * One `mode: sync` run as its own process, as the action would be: the sync engine, the real
 * Devin client against the bench's Devin emulator, and the GitHub fake loaded from (and saved
 * back to) the state file the bench hands it. Prints its own peak memory as the last line.
 *
 *   node bench/sync-child.ts <state.json>      (Node 24; spawned by ./sync-rig.ts)
 *
 * Env: DEVIN_URL, DEVIN_KEY, DEVIN_ORG, SLUG.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import './load-src.ts'

const { DevinClient } = await import('../src/devin/client.ts')
const { syncSessions } = await import('../src/sync/sync.ts')
const { fakeRender, GitHubFake } = await import('../test/unit/sync/fakes.ts')
type ForDevin<T> = import('../src/egress/devin.ts').ForDevin<T>
type FakeState = import('../test/unit/sync/fakes.ts').FakeState

const file = process.argv[2] ?? ''
const env = (name: string): string => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

const gh = new GitHubFake()
const before = JSON.parse(readFileSync(file, 'utf8')) as FakeState
gh.load({ ...before, calls: [] })
const client = new DevinClient({ apiUrl: env('DEVIN_URL'), apiKey: env('DEVIN_KEY') })
const result = await syncSessions({
  devin: client,
  github: gh,
  render: fakeRender,
  screenTags: async (tags) => tags as ForDevin<string[]>,
  clean: (text) => text,
  orgId: env('DEVIN_ORG'),
  slug: env('SLUG'),
  clock: Date.now,
  log: {
    debug: () => undefined,
    info: () => undefined,
    warning: (m) => console.error(`warning: ${m}`)
  }
})
await client.close()
writeFileSync(file, JSON.stringify(gh.dump()))
const { sessions: _, ...counts } = result
console.log(JSON.stringify({ ...counts, peakMb: process.resourceUsage().maxRSS / 1024 }))
