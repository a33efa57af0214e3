/**
 * The sync bench's rigs, its scenarios, and the figures read off the emulators. Imported by
 * ./sync.ts and ./runner-time.ts after they registered the hooks that let Node load `src/`.
 *
 * The emulators live in this process; each sync runs as a process of its own, as the action
 * does, so its time is a run's (Node's start included) and its memory is its own. Every figure
 * is read off what the emulators saw (requests by route and by session, the tags Devin holds
 * afterwards, what GitHub was asked), never off the sync's own account, so both rigs' figures
 * mean the same:
 *
 * - `distRig` (the default): the built action, `dist/index.js` under Node 24 with `mode: sync`,
 *   started as the runner starts it (test/helpers/run-action.ts), against the Devin emulator and
 *   the GitHub emulator, whose comments and check runs a handoff left (./sync-seed.ts).
 * - `engineRig`: ./sync-child.ts, the engine from the TypeScript source with the real Devin
 *   client and an in-memory GitHub (test/unit/sync/fakes.ts) carried between runs in a file.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { shownKey } from '../src/state/tracking.ts'
import { startDevinEmulator, type DevinEmulator } from '../test/emulators/devin.ts'
import { startGitHubEmulator } from '../test/emulators/github.ts'
import { REPO_ROOT, startAction } from '../test/helpers/run-action.ts'
import {
  ACTIONS_BOT,
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
import { pullsFor, seedEmulators } from '../test/helpers/sync-seed.ts'
import { sampleTree, type TreeMemory } from './tree-memory.ts'

export interface RunFigures {
  /** The process's wall time, from its start to its exit. */
  ms: number
  /** The whole process tree: sampled sum of resident memory, and each process's own peak. */
  memory: TreeMemory
  /** Sessions the run says it synced (its `synced` output). */
  synced: number
  /** Warnings the run gave (a session left for the next sync). */
  warnings: string[]
}

export interface Rig {
  name: string
  devin: DevinEmulator
  /** Lays out the sessions in Devin and their comments and check runs on GitHub. */
  seed(specs: SeedSpec[]): Seeded[]
  /** One `mode: sync` run, start to end. */
  sync(): Promise<RunFigures>
  /** GitHub requests so far: writes and reads, in all and to one comment or check run. */
  github(): GitHubCounts
  close(): Promise<void>
}

export interface GitHubCounts {
  writes: number
  reads: number
  writesTo(id: number): number
  readsTo(id: number): number
}

/** Peak memory of a run: the sampled tree, or the sum of each process's own peak if larger. */
export const peakMbOf = (m: TreeMemory): number => Math.max(m.peakMb, m.sumOfPeaksMb)

/** Spawns `run`, samples its tree until it exits, and times it from spawn to exit. */
async function timed<T>(
  start: () => { pid: number | undefined; exited: Promise<unknown>; done: Promise<T> }
): Promise<{ ms: number; memory: TreeMemory; result: T }> {
  const t0 = performance.now()
  const run = start()
  const memory = sampleTree(run.pid as number)
  // Async on purpose: the emulators live in this process and must keep answering.
  await run.exited
  const ms = performance.now() - t0
  const sampled = memory.stop()
  return { ms, memory: sampled, result: await run.done }
}

/**
 * `BENCH_NODE_OPTIONS` reaches the action's Node, to look into a figure (e.g. `--cpu-prof
 * --cpu-prof-dir=…`); figures measured with it are not the action's.
 */
const diagnostics = (): Record<string, string> =>
  process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}

const GITHUB_TOKEN = 'ghs_benchSyncToken0123456789ABCDEFGHIJ'
const DEVIN_KEY = 'cog_bench_sync_key_0123456789abcdef'

/** The built action with `mode: sync`, against both emulators. */
export async function distRig(): Promise<Rig> {
  const entry = path.join(REPO_ROOT, 'dist', 'index.js')
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`)
  const [owner = '', repo = ''] = SLUG.split('/')
  const devin = await startDevinEmulator({ apiKey: DEVIN_KEY })
  const github = await startGitHubEmulator({
    owner,
    repo,
    tokens: { [GITHUB_TOKEN]: { login: ACTIONS_BOT, type: 'Bot', installation: true } }
  })
  const workspace = mkdtempSync(path.join(tmpdir(), 'bench-sync-ws-'))
  const idOf = (p: string): number | undefined =>
    Number(/\/(?:issues\/comments|check-runs)\/([0-9]+)$/.exec(p)?.[1] ?? NaN) || undefined
  const count = (write: boolean, id?: number): number =>
    github.requests.filter(
      (r) => (r.method !== 'GET') === write && (id === undefined || idOf(r.path) === id)
    ).length
  return {
    name: 'the built action (dist/index.js, Node 24), the Devin and GitHub emulators',
    devin,
    seed(specs) {
      for (const p of pullsFor(specs.length, SLUG)) github.pulls.set(p.number, p)
      return seedEmulators(devin, github, specs)
    },
    async sync() {
      const { ms, memory, result } = await timed(() => {
        const { child, done } = startAction({
          inputs: {
            'api-key': devin.apiKey,
            'api-url': devin.url,
            'org-id': devin.orgId,
            mode: 'sync'
          },
          eventName: 'schedule',
          payload: {
            schedule: '*/10 * * * *',
            repository: { full_name: SLUG, default_branch: 'main' }
          },
          workspace,
          githubUrl: github.url,
          repository: SLUG,
          githubToken: GITHUB_TOKEN,
          env: diagnostics(),
          // A miss is measured, not cut short.
          timeoutMs: 300_000
        })
        return { pid: child.pid, exited: new Promise((r) => child.on('exit', r)), done }
      })
      if (result.code !== 0)
        throw new Error(`the sync run exited ${result.code}:\n${result.stdout}\n${result.stderr}`)
      const warnings = result.commands.filter((c) => c.command === 'warning').map((c) => c.message)
      return { ms, memory, synced: Number(result.outputs.synced ?? NaN), warnings }
    },
    github: () => ({
      writes: count(true),
      reads: count(false),
      writesTo: (id) => count(true, id),
      readsTo: (id) => count(false, id)
    }),
    async close() {
      rmSync(workspace, { recursive: true, force: true })
      // Both closed before either throws: an answer off the APIs' descriptions fails the bench.
      const closed = await Promise.allSettled([devin.close(), github.close()])
      for (const c of closed) if (c.status === 'rejected') throw c.reason
    }
  }
}

/** Each run is ./sync-child.ts; GitHub is the fake, carried from run to run in a file. */
export async function engineRig(): Promise<Rig> {
  const devin = await startDevinEmulator()
  const gh = new GitHubFake()
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sync-'))
  const file = path.join(dir, 'github.json')
  const isWrite = (op: string): boolean => op.startsWith('update')
  const count = (write: boolean, id?: number): number =>
    gh.calls.filter((c) => isWrite(c.op) === write && (id === undefined || c.id === id)).length
  return {
    name: 'the sync engine from source (a process), the Devin emulator, an in-memory GitHub',
    devin,
    seed: (specs) => seed(devin, gh, specs),
    async sync() {
      writeFileSync(file, JSON.stringify({ ...gh.dump(), calls: [] }))
      let out = ''
      const { ms, memory, result } = await timed(() => {
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
        child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
        const exited = new Promise<number | null>((r) => child.on('exit', r))
        return { pid: child.pid, exited, done: exited }
      })
      if (result !== 0) throw new Error(`the sync run exited ${result}: ${out}`)
      const last = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
        synced?: number
        failed?: number
      }
      gh.load(JSON.parse(readFileSync(file, 'utf8')) as FakeState)
      const warnings = last.failed ? [`${last.failed} sessions left for the next sync`] : []
      return { ms, memory, synced: last.synced ?? NaN, warnings }
    },
    github: () => ({
      writes: count(true),
      reads: count(false),
      writesTo: (id) => count(true, id),
      readsTo: (id) => count(false, id)
    }),
    async close() {
      rmSync(dir, { recursive: true, force: true })
      await devin.close()
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
  /** Every Devin request of the first run, the list included. */
  devinRequests: number
  /** Most Devin requests one changed session cost (its messages and its tags). */
  devinPerChangedMax: number
  /** Most GitHub writes one changed session cost (its comment and check run). */
  githubPerChangedMax: number
  /** Most GitHub reads one changed session cost (its comment, proven the action's). */
  githubReadsPerChangedMax: number
  /** Every GitHub request of the first run: writes and reads. */
  githubWrites: number
  githubReads: number
  /** Sessions that had not changed, or are not the action's, that got a request or a write: 0. */
  touchedOthers: number
  /** Every changed session's tags now say what is shown. */
  allSynced: boolean
  first: RunFigures
  second: RunFigures & { listRequests: number; devinWrites: number; githubWrites: number }
}

const LIST = 'GET /v3/organizations/:org/sessions'
const most = (xs: number[]): number => Math.max(0, ...xs)

/** Seeds, syncs twice, and reads the figures off the emulators. */
export async function measure(rig: Rig, live: number, changed: number): Promise<Figures> {
  const specs = scenario(live, changed)
  const seeded = rig.seed(specs)
  const isChanged = (i: number): boolean =>
    specs[i]?.now !== undefined && specs[i]?.tags === undefined
  const changedIdx = seeded.map((_, i) => i).filter(isChanged)
  const before = rig.devin.requests.length
  const first = await rig.sync()
  const gh = rig.github()
  const requests = rig.devin.requests.slice(before)
  const bySession = new Map<string, number>()
  for (const r of requests) {
    const id = /\/sessions\/(devin-[0-9a-f]+)/.exec(r.path)?.[1]
    if (id) bySession.set(id, (bySession.get(id) ?? 0) + 1)
  }
  const changedIds = new Set(changedIdx.map((i) => seeded[i]?.id))
  const on = (s: Seeded, f: (id: number) => number): number =>
    (s.commentId ? f(s.commentId) : 0) + (s.checkId ? f(s.checkId) : 0)
  const touched = (s: Seeded): boolean => on(s, gh.writesTo) + on(s, gh.readsTo) > 0
  const touchedOthers =
    [...bySession.keys()].filter((id) => !changedIds.has(id)).length +
    seeded.filter((s, i) => !isChanged(i) && touched(s)).length
  const allSynced = changedIdx.every((i) => {
    const now = specs[i]?.now as Shown
    const tags = rig.devin.sessions.get(seeded[i]?.id as string)?.state.tags ?? []
    return tags.includes(`gh-shown:${shownKey(now)}`)
  })
  const listRequests = rig.devin.requestCounts(before)[LIST] ?? 0
  const mark = rig.devin.requests.length
  const second = await rig.sync()
  const again = rig.devin.requestCounts(mark)
  const changedSeeded = changedIdx.map((i) => seeded[i] as Seeded)
  return {
    live,
    changed: changedIdx.length,
    listRequests,
    devinRequests: requests.length,
    devinPerChangedMax: most(changedSeeded.map((s) => bySession.get(s.id) ?? 0)),
    githubPerChangedMax: most(changedSeeded.map((s) => on(s, gh.writesTo))),
    githubReadsPerChangedMax: most(changedSeeded.map((s) => on(s, gh.readsTo))),
    githubWrites: gh.writes,
    githubReads: gh.reads,
    touchedOthers,
    allSynced,
    first,
    second: {
      ...second,
      listRequests: again[LIST] ?? 0,
      devinWrites: Object.entries(again)
        .filter(([route]) => !route.startsWith('GET '))
        .reduce((n, [, c]) => n + c, 0),
      githubWrites: rig.github().writes - gh.writes
    }
  }
}
