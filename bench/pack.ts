/**
 * Packing benchmark (targets.md): a PR of ≥ 5,000 changed files and ≥ 100 MB of diff, packed with
 * the default budget, against the floor of plain `git diff base...head` on the same range, read
 * through a pipe.
 *
 *   node bench/pack.ts            (Node 24; generates the repository once under .bench/)
 *
 * Timings are paired (floor, packing, floor, packing…) and the medians compared. The packing runs
 * in a child process (this script with --child); its memory is that of the whole process tree,
 * Node and every git process it starts, summed from /proc every few milliseconds
 * (./tree-memory.ts). Prints a table and one JSON line; exits non-zero only when the wall time is
 * above 1.3 × the floor or the tree's peak reaches 200 MB.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, utimesSync } from 'node:fs'
import * as path from 'node:path'
import { sampleTree, type TreeMemory } from './tree-memory.ts'

const root = path.resolve(import.meta.dirname, '..')
const benchDir = path.join(root, '.bench')
const repo = path.join(benchDir, 'pack-repo')
const stamp = path.join(benchDir, 'pack-repo.json')

const FILES = 5000
const LINES = 330 // ≈ 19 KB per file, ≈ 23 KB of diff per file
const EVERY = 10 // one changed line in ten: many realistic small hunks per file
const ADDED = 50
const VERSION = `v1-${FILES}-${LINES}-${EVERY}-${ADDED}`
const RUNS = 5
const MAX_RATIO = 1.3
const MAX_TREE_MB = 200

interface Stamp {
  version: string
  base: string
  head: string
}

function git(args: string[], opts: { input?: Buffer } = {}): string {
  const r = spawnSync('git', args, {
    cwd: repo,
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'buffer'
  })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.toString()}`)
  return r.stdout.toString('utf8').trim()
}

function line(file: number, i: number, changed: boolean): string {
  const n = (i * 7919 + file * 104729) % 1000003
  const word = changed ? `updated_${(n * 31) % 9973}` : `value_${n % 9973}`
  return `  const item_${file}_${i} = compute(${n}, "${word}", [${n % 97}, ${n % 89}, ${n % 83}]) // ${word}\n`
}

function fileText(file: number, changed: boolean, lines = LINES): Buffer {
  let s = `// module ${file}\nexport function run_${file}() {\n`
  for (let i = 0; i < lines; i++) s += line(file, i, changed && i % EVERY === EVERY / 2)
  return Buffer.from(`${s}}\n`)
}

/** Builds the repository with one `git fast-import` stream: two commits, main and feature. */
async function generate(): Promise<Stamp> {
  rmSync(repo, { recursive: true, force: true })
  mkdirSync(repo, { recursive: true })
  git(['init', '-q', '-b', 'main'])
  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: repo,
    stdio: ['pipe', 'inherit', 'inherit']
  })
  const write = (b: Buffer | string): Promise<void> =>
    new Promise((resolve) =>
      child.stdin.write(b) ? resolve() : child.stdin.once('drain', resolve)
    )
  const blob = async (mark: number, data: Buffer): Promise<void> => {
    await write(`blob\nmark :${mark}\ndata ${data.length}\n`)
    await write(data)
    await write('\n')
  }
  const name = (i: number): string =>
    `src/pkg_${String(Math.floor(i / 100)).padStart(2, '0')}/module_${String(i).padStart(4, '0')}.ts`
  const done = new Promise<void>((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`fast-import exit ${code}`))
    )
  )
  for (let i = 0; i < FILES; i++) await blob(i + 1, fileText(i, false))
  for (let i = 0; i < FILES; i++) await blob(FILES + i + 1, fileText(i, true))
  for (let i = 0; i < ADDED; i++) await blob(2 * FILES + i + 1, fileText(FILES + i, false, 50))
  const who = 'Bench <bench@example.com> 1700000000 +0000'
  let base = `commit refs/heads/main\nmark :${3 * FILES}\nauthor ${who}\ncommitter ${who}\ndata 4\nbase\n`
  for (let i = 0; i < FILES; i++) base += `M 100644 :${i + 1} ${name(i)}\n`
  await write(`${base}\n`)
  let head = `commit refs/heads/feature\nmark :${3 * FILES + 1}\nauthor ${who}\ncommitter ${who}\ndata 7\nfeature\nfrom :${3 * FILES}\n`
  for (let i = 0; i < FILES; i++) head += `M 100644 :${FILES + i + 1} ${name(i)}\n`
  for (let i = 0; i < ADDED; i++) head += `M 100644 :${2 * FILES + i + 1} src/added/new_${i}.ts\n`
  await write(`${head}\ndone\n`)
  child.stdin.end()
  await done
  git(['checkout', '-q', '-f', 'feature'])
  return { version: VERSION, base: git(['rev-parse', 'main']), head: git(['rev-parse', 'feature']) }
}

async function ensureRepo(): Promise<Stamp> {
  if (existsSync(stamp)) {
    const s = JSON.parse(readFileSync(stamp, 'utf8')) as Stamp
    if (s.version === VERSION && existsSync(path.join(repo, '.git'))) return s
  }
  const t = performance.now()
  console.log('Generating the benchmark repository (once)…')
  const s = await generate()
  writeFileSync(stamp, JSON.stringify(s))
  console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return s
}

/** The floor: plain `git diff base...head`, its output read through a pipe and dropped. */
async function floorRun(s: Stamp): Promise<{ ms: number; bytes: number; memory: TreeMemory }> {
  const t = performance.now()
  const child = spawn('git', ['diff', `${s.base}...${s.head}`], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const sampler = sampleTree(child.pid ?? 0)
  let bytes = 0
  child.stdout.on('data', (d: Buffer) => (bytes += d.length))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const ms = performance.now() - t
  const memory = sampler.stop()
  if (code !== 0) throw new Error(`git diff failed (exit ${code})`)
  return { ms, bytes, memory }
}

interface ChildResult {
  packMs: number
  /** Node's own peak (VmHWM), without its git children. */
  nodePeakMb: number
  files: number
  diffBytes: number
  omissions: number
  truncated: boolean
}

async function runChild(s: Stamp): Promise<ChildResult & { tree: TreeMemory }> {
  const child = spawn(process.execPath, [import.meta.filename, '--child', s.base, s.head], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const sampler = sampleTree(child.pid ?? 0)
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const tree = sampler.stop()
  if (code !== 0) throw new Error(`child exited ${code}`)
  return { ...(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult), tree }
}

/** In the child: load src (its `.js` specifiers map to the `.ts` files) and pack once. */
async function child(base: string, head: string): Promise<void> {
  const { registerHooks } = await import('node:module')
  // src uses NodeNext `.js` specifiers for its `.ts` files; prefer the `.ts` source.
  registerHooks({
    resolve(spec, ctx, next) {
      if (spec.startsWith('.') && spec.endsWith('.js')) {
        try {
          return next(`${spec.slice(0, -3)}.ts`, ctx)
        } catch {
          // not a .ts source: resolve as written
        }
      }
      return next(spec, ctx)
    }
  })
  const { packChange } =
    (await import('../src/handoff/pack.ts')) as typeof import('../src/handoff/pack.ts')
  const t = performance.now()
  const r = await packChange({
    workspace: repo,
    target: {
      owner: 'o',
      repo: 'r',
      slug: 'o/r',
      eventName: 'pull_request',
      headRef: 'feature',
      headSha: head,
      baseRef: 'main',
      baseSha: base
    },
    includeDiff: true,
    includeUncommitted: true,
    maxDiffBytes: 100_000,
    excludePaths: [],
    secretScan: 'redact'
  })
  const packMs = performance.now() - t
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  const nodePeakMb = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024
  const result: ChildResult = {
    packMs,
    nodePeakMb,
    files: r.files.length,
    diffBytes: r.diffBytes,
    omissions: r.omissions.length,
    truncated: r.truncated
  }
  console.log(JSON.stringify(result))
}

/**
 * Makes the work tree look freshly checked out: after actions/checkout the index is "racily
 * clean", so the first look at uncommitted work has to hash every file. Without this, runs after
 * the first would measure an index that an earlier run already refreshed.
 */
function freshen(files: string[]): void {
  const now = new Date()
  for (const f of files) utimesSync(path.join(repo, f), now, now)
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

const mbText = (mb: number): string => `${mb.toFixed(1).padStart(7)} MB`

async function main(): Promise<void> {
  const s = await ensureRepo()
  const changed = git(['diff', '--name-only', `${s.base}...${s.head}`]).split('\n').length
  const warm = await floorRun(s) // warms the page cache, and measures the diff's size
  const diffMb = warm.bytes / 1e6
  const floors: Awaited<ReturnType<typeof floorRun>>[] = []
  const packs: Awaited<ReturnType<typeof runChild>>[] = []
  const tracked = git(['ls-files', '-z']).split('\0').filter(Boolean)
  for (let i = 0; i < RUNS; i++) {
    freshen(tracked) // a few seconds before packing, as a checkout step would
    floors.push(await floorRun(s))
    packs.push(await runChild(s))
  }
  const gitMs = median(floors.map((f) => f.ms))
  const packMs = median(packs.map((p) => p.packMs))
  const max = (xs: number[]): number => Math.max(...xs)
  const peak = max(packs.map((p) => p.tree.peakMb))
  const bound = max(packs.map((p) => p.tree.sumOfPeaksMb))
  const ratio = packMs / gitMs
  const last = packs[packs.length - 1] as (typeof packs)[number]
  console.log('')
  console.log(
    `range: ${changed} changed files, ${diffMb.toFixed(1)} MB of diff (median of ${RUNS} paired runs)`
  )
  console.log('| measure                                  | value      | target     |')
  console.log('| ---------------------------------------- | ---------- | ---------- |')
  console.log(
    `| git diff base...head to a pipe           | ${gitMs.toFixed(0).padStart(7)} ms | floor      |`
  )
  console.log(
    `| packChange (budget 100000)               | ${packMs.toFixed(0).padStart(7)} ms |            |`
  )
  console.log(
    `| ratio                                    | ${ratio.toFixed(2).padStart(10)} | ≤ ${MAX_RATIO}      |`
  )
  console.log(
    `| peak memory, whole tree (sampled)        | ${mbText(peak)} | < ${MAX_TREE_MB} MB  |`
  )
  console.log(
    `|   of which Node / git processes (peaks)  | ${mbText(max(packs.map((p) => p.tree.rootPeakMb)))} / ${mbText(max(packs.map((p) => p.tree.childrenPeakMb)))} |  |`
  )
  console.log(`|   sum of each process's own peak (bound) | ${mbText(bound)} |            |`)
  console.log(
    `| floor's git diff alone, peak             | ${mbText(max(floors.map((f) => f.memory.peakMb)))} |            |`
  )
  console.log(
    `| processes / samples (last run)           | ${last.tree.processes} / ${last.tree.samples} |  |`
  )
  console.log(
    `| listed / hunk bytes / omitted            | ${last.files} / ${last.diffBytes} / ${last.omissions} |  |`
  )
  console.log(
    JSON.stringify({
      bench: 'pack',
      packMs: Math.round(packMs),
      gitDiffMs: Math.round(gitMs),
      ratio: Number(ratio.toFixed(3)),
      peakTreeMb: Number(peak.toFixed(1)),
      sumOfPeaksMb: Number(bound.toFixed(1)),
      nodePeakMb: Number(max(packs.map((p) => p.nodePeakMb)).toFixed(1)),
      floorPeakMb: Number(max(floors.map((f) => f.memory.peakMb)).toFixed(1)),
      files: last.files,
      diffMb: Number(diffMb.toFixed(1))
    })
  )
  if (changed < FILES || diffMb < 100)
    throw new Error('the generated range is smaller than the benchmark promises')
  if (ratio > MAX_RATIO || peak >= MAX_TREE_MB) process.exitCode = 1
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '')
else await main()
