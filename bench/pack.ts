/**
 * Packing benchmark: a PR of ≥ 5,000 changed files and ≥ 100 MB of diff, packed with the default
 * budget, against the floor of plain `git diff base...head > /dev/null` on the same range.
 *
 *   node bench/pack.ts            (Node 24; generates the repository once under .bench/)
 *
 * Prints a table and one JSON line {"packMs","gitDiffMs","ratio","peakRssMb",…}; exits non-zero
 * when the ratio is above 1.5 or the packing's peak RSS reaches 200 MB. The packing runs in a child
 * process (this script with --child) so its peak RSS (VmHWM) is its own.
 */
import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  closeSync,
  utimesSync
} from 'node:fs'
import * as path from 'node:path'

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
const MAX_RATIO = 1.5
const MAX_RSS_MB = 200

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

function gitDiffMs(s: Stamp): { ms: number; bytes: number } {
  const devnull = openSync('/dev/null', 'w')
  const t = performance.now()
  const r = spawnSync('git', ['diff', `${s.base}...${s.head}`], {
    cwd: repo,
    stdio: ['ignore', devnull, 'inherit']
  })
  const ms = performance.now() - t
  closeSync(devnull)
  if (r.status !== 0) throw new Error('git diff failed')
  return { ms, bytes: 0 }
}

interface ChildResult {
  packMs: number
  peakRssMb: number
  files: number
  diffBytes: number
  omissions: number
  truncated: boolean
}

function runChild(s: Stamp): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, '--child', s.base, s.head], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}`))
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult)
    })
  })
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
  const peakRssMb = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024
  const result: ChildResult = {
    packMs,
    peakRssMb,
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

async function main(): Promise<void> {
  const s = await ensureRepo()
  const size = spawnSync('sh', ['-c', `git diff ${s.base}...${s.head} | wc -c`], {
    cwd: repo,
    encoding: 'utf8'
  })
  const diffMb = Number(size.stdout.trim()) / 1e6
  const changed = git(['diff', '--name-only', `${s.base}...${s.head}`]).split('\n').length
  gitDiffMs(s) // warm the page cache
  const floors: number[] = []
  const packs: ChildResult[] = []
  const tracked = git(['ls-files', '-z']).split('\0').filter(Boolean)
  for (let i = 0; i < RUNS; i++) {
    freshen(tracked) // a few seconds before packing, as a checkout step would
    floors.push(gitDiffMs(s).ms)
    packs.push(await runChild(s))
  }
  const gitMs = median(floors)
  const packMs = median(packs.map((p) => p.packMs))
  const peak = Math.max(...packs.map((p) => p.peakRssMb))
  const ratio = packMs / gitMs
  const last = packs[packs.length - 1] as ChildResult
  console.log('')
  console.log(
    `range: ${changed} changed files, ${diffMb.toFixed(1)} MB of diff (median of ${RUNS} runs)`
  )
  console.log('| measure                         | value      | target     |')
  console.log('| ------------------------------- | ---------- | ---------- |')
  console.log(
    `| git diff base...head >/dev/null | ${gitMs.toFixed(0).padStart(7)} ms | floor      |`
  )
  console.log(
    `| packChange (budget 100000)      | ${packMs.toFixed(0).padStart(7)} ms |            |`
  )
  console.log(
    `| ratio                           | ${ratio.toFixed(2).padStart(10)} | ≤ ${MAX_RATIO}      |`
  )
  console.log(
    `| peak RSS of the packing         | ${peak.toFixed(1).padStart(7)} MB | < ${MAX_RSS_MB} MB  |`
  )
  console.log(
    `| listed / hunk bytes / omitted   | ${last.files} / ${last.diffBytes} / ${last.omissions} |`
  )
  console.log(
    JSON.stringify({
      packMs: Math.round(packMs),
      gitDiffMs: Math.round(gitMs),
      ratio: Number(ratio.toFixed(3)),
      peakRssMb: Number(peak.toFixed(1)),
      files: last.files,
      diffMb: Number(diffMb.toFixed(1))
    })
  )
  if (changed < FILES || diffMb < 100)
    throw new Error('the generated range is smaller than the benchmark promises')
  if (ratio > MAX_RATIO || peak >= MAX_RSS_MB) process.exitCode = 1
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '')
else await main()
