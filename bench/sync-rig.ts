/**
 * The sync bench's scenarios, the rig that runs a sync, and the figures read off the emulators.
 * Imported by ./sync.ts after it registered the hooks that let Node load `src/`.
 *
 * The emulators live in this process; each sync runs as a process of its own, as the action
 * does, so its time is a run's (Node's start included) and its peak memory is its own. Every
 * figure is read off what the emulators saw (requests by route and by session, the tags Devin
 * holds afterwards, the writes GitHub took), never off the engine's report, so the rig can change
 * without the figures changing meaning. Today a run is ./sync-child.ts (the engine, the real
 * Devin client, the GitHub fake carried between runs in a file); running the built action with
 * `mode: sync` against the GitHub emulator needs another `Rig` and nothing else.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { shownKey } from '../src/state/tracking.ts'
import { startDevinEmulator, type DevinEmulator } from '../test/emulators/devin.ts'
import {
  ASKING,
  FINISHED,
  GitHubFake,
  seed,
  SLUG,
  WORKING,
  withPr,
  type FakeState,
  type SeedSpec,
  type Seeded,
  type Shown
} from '../test/unit/sync/fakes.ts'
import { sampleTree } from './tree-memory.ts'

export interface RunFigures {
  ms: number
  /** The run's whole process tree, sampled every 5 ms; and its own peak when it can tell. */
  sampledPeakMb: number
  peakMb?: number
}

export interface Rig {
  devin: DevinEmulator
  /** Lays out the sessions in Devin and their comments and check runs on GitHub. */
  seed(specs: SeedSpec[]): Seeded[]
  /** One `mode: sync` run, start to end. */
  sync(): Promise<RunFigures>
  /** Writes GitHub took so far: in all, and to one comment or check run. */
  githubWrites(): number
  githubWritesTo(id: number): number
  close(): Promise<void>
}

/** Each run is ./sync-child.ts; GitHub is the fake, carried from run to run in a file. */
export async function engineRig(): Promise<Rig> {
  const devin = await startDevinEmulator()
  const gh = new GitHubFake()
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sync-'))
  const file = path.join(dir, 'github.json')
  return {
    devin,
    seed: (specs) => seed(devin, gh, specs),
    async sync() {
      writeFileSync(file, JSON.stringify({ ...gh.dump(), calls: [] }))
      const t0 = performance.now()
      const child = spawn(
        process.execPath,
        [
          '--disable-warning=ExperimentalWarning',
          path.join(import.meta.dirname, 'sync-child.ts'),
          file
        ],
        {
          env: {
            ...process.env,
            DEVIN_URL: devin.url,
            DEVIN_KEY: devin.apiKey,
            DEVIN_ORG: devin.orgId,
            SLUG
          },
          stdio: ['ignore', 'pipe', 'inherit']
        }
      )
      const memory = sampleTree(child.pid as number)
      let out = ''
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
      // Async on purpose: the emulator lives in this process and must keep answering.
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
      const ms = performance.now() - t0
      const sampled = memory.stop()
      if (code !== 0) throw new Error(`the sync run exited ${code}: ${out}`)
      const last = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { peakMb?: number }
      gh.load(JSON.parse(readFileSync(file, 'utf8')) as FakeState)
      return { ms, sampledPeakMb: sampled.peakMb, peakMb: last.peakMb }
    },
    githubWrites: () => gh.counts().writes,
    githubWritesTo: (id) => gh.writesTo(id),
    async close() {
      await devin.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const chat = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    message: i === n - 1 ? 'Done: the tests pass and the PR is open.' : `step ${i}`,
    source: i % 3 === 0 ? 'user' : 'devin'
  }))

/** How a changed session moved, in turn: the stops read Devin's last message, the rest do not. */
const MOVES: Array<Pick<SeedSpec, 'shown' | 'now' | 'messages'>> = [
  { shown: WORKING, now: withPr(FINISHED), messages: chat(60) },
  { shown: WORKING, now: ASKING, messages: chat(12) },
  { shown: WORKING, now: withPr(WORKING) },
  { shown: { status: 'new', detail: '', pullRequests: [] }, now: WORKING },
  { shown: WORKING, now: { status: 'suspended', detail: 'inactivity', pullRequests: [] } },
  { shown: ASKING, now: FINISHED, messages: chat(150) }
]

const elsewhere = (t: string[]) => t.map((x) => x.replace(SLUG, `${SLUG}-other`))
const notTheActions = (t: string[]) => t.filter((x) => !/^gh:[^#@]+[#@].*:/.test(x))

/**
 * `live` sessions carrying this repository's live tag (so listed), 1 in 20 of them not the
 * action's (the live tag without its thread tag: listed, never touched), `changed` of the
 * action's spread among the rest; and, not listed, half as many again: other repositories' live
 * sessions, sessions already shown as ended, untagged ones.
 */
export function scenario(live: number, changed: number): SeedSpec[] {
  const notOurs = Math.floor(live / 20)
  const ours = live - notOurs
  const every = Math.floor(ours / changed)
  const specs: SeedSpec[] = []
  for (let i = 0; i < ours; i++) {
    const n = i / every
    const move = Number.isInteger(n) && n < changed ? MOVES[n % MOVES.length] : undefined
    specs.push(move ?? { shown: i % 7 ? WORKING : withPr(ASKING) })
  }
  for (let i = 0; i < notOurs; i++)
    specs.push({ shown: WORKING, now: FINISHED, tags: notTheActions })
  for (let i = 0; i < Math.floor(live / 2); i++) {
    if (i % 3 === 0) specs.push({ shown: WORKING, now: FINISHED, tags: elsewhere })
    else if (i % 3 === 1)
      specs.push({ shown: FINISHED, tags: (t) => t.filter((x) => !x.startsWith('gh-live:')) })
    else specs.push({ shown: WORKING, now: FINISHED, tags: () => [] })
  }
  return specs
}

export interface Figures {
  live: number
  changed: number
  listRequests: number
  /** Most Devin requests one changed session cost (its messages and its tags). */
  devinPerChangedMax: number
  /** Most GitHub writes one changed session cost (its comment and check run). */
  githubPerChangedMax: number
  /** Sessions that had not changed, or are not the action's, that got a request or a write: 0. */
  touchedOthers: number
  /** Every changed session's tags now say what is shown. */
  allSynced: boolean
  first: RunFigures
  second: RunFigures & { listRequests: number; devinWrites: number; githubWrites: number }
}

const LIST = 'GET /v3/organizations/:org/sessions'

/** Seeds, syncs twice, and reads the figures off the emulators. */
export async function measure(rig: Rig, live: number, changed: number): Promise<Figures> {
  const specs = scenario(live, changed)
  const seeded = rig.seed(specs)
  const isChanged = (i: number): boolean =>
    specs[i]?.now !== undefined && specs[i]?.tags === undefined
  const changedIdx = seeded.map((_, i) => i).filter(isChanged)
  const before = rig.devin.requests.length
  const first = await rig.sync()
  const requests = rig.devin.requests.slice(before)
  const bySession = new Map<string, number>()
  for (const r of requests) {
    const id = /\/sessions\/(devin-[0-9a-f]+)/.exec(r.path)?.[1]
    if (id) bySession.set(id, (bySession.get(id) ?? 0) + 1)
  }
  const changedIds = new Set(changedIdx.map((i) => seeded[i]?.id))
  const ghPer = (s: Seeded): number =>
    (s.commentId ? rig.githubWritesTo(s.commentId) : 0) +
    (s.checkId ? rig.githubWritesTo(s.checkId) : 0)
  const touchedOthers =
    [...bySession.keys()].filter((id) => !changedIds.has(id)).length +
    seeded.filter((s, i) => !isChanged(i) && ghPer(s) > 0).length
  const allSynced = changedIdx.every((i) => {
    const now = specs[i]?.now as Shown
    const tags = rig.devin.sessions.get(seeded[i]?.id as string)?.state.tags ?? []
    return tags.includes(`gh-shown:${shownKey(now)}`)
  })
  const listRequests = rig.devin.requestCounts(before)[LIST] ?? 0
  const writesBefore = rig.githubWrites()
  const mark = rig.devin.requests.length
  const second = await rig.sync()
  const again = rig.devin.requestCounts(mark)
  const most = (xs: number[]): number => Math.max(0, ...xs)
  return {
    live,
    changed: changedIdx.length,
    listRequests,
    devinPerChangedMax: most(changedIdx.map((i) => bySession.get(seeded[i]?.id ?? '') ?? 0)),
    githubPerChangedMax: most(changedIdx.map((i) => ghPer(seeded[i] as Seeded))),
    touchedOthers,
    allSynced,
    first,
    second: {
      ...second,
      listRequests: again[LIST] ?? 0,
      devinWrites: Object.entries(again)
        .filter(([route]) => !route.startsWith('GET '))
        .reduce((n, [, c]) => n + c, 0),
      githubWrites: rig.githubWrites() - writesBefore
    }
  }
}
