/**
 * The git edge: runs git (never a shell) in the workspace with options that keep the repository's
 * configuration from running programs: through @actions/exec where it fits, through `spawn` where
 * it does not (see `gitBounded` and `gitStream`). Finding the range to diff is in ./range.ts, untracked
 * files in ./untracked.ts. Nothing here checks out or runs code from the change.
 */
import { spawn } from 'node:child_process'
import { PassThrough, pipeline, Writable, type Readable } from 'node:stream'
import { exec } from '@actions/exec'
import { scrubUrls } from '../hygiene/scrub.js'

// Options that make output stable and keep repository or user configuration from running
// programs or reshaping output (pager, fsmonitor, hooks, auto-gc).
const GLOBAL_ARGS = [
  '-c',
  'core.quotepath=false',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '--no-pager'
]
// Variables that would point git at another repository or index than the workspace's.
const REPO_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_PREFIX',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_NAMESPACE'
]

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of REPO_VARS) delete env[name]
  // GIT_OPTIONAL_LOCKS=0: reading must not take index.lock (other steps may run git at once).
  return {
    ...env,
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PAGER: 'cat'
  }
}

export interface GitResult {
  code: number
  stdout: Buffer
  stderr: string
}

export class GitError extends Error {
  readonly code: number
  constructor(args: string[], code: number, stderr: string) {
    const tail = scrubUrls(stderr.trim().split('\n').slice(-3).join(' / '))
    super(`git ${args[0] ?? ''} failed (exit ${code})${tail ? `: ${tail}` : ''}`)
    this.code = code
  }
}

const MAX_STDERR = 16 * 1024

function collectStderr(stream: Readable | null): () => string {
  let text = ''
  stream?.on('data', (d: Buffer) => {
    if (text.length < MAX_STDERR) text += d.toString('utf8')
  })
  return () => text
}

// @actions/exec would print the command line unless silent; these make sure nothing it might
// write reaches the runner's log (only src/egress/ writes there).
const discard = (): Writable =>
  new Writable({
    write(_chunk, _enc, done) {
      done()
    }
  })

/** What exec's `which` throws when there is no git: reworded, without its advice paragraph. */
function notStarted(err: unknown): Error {
  const text = err instanceof Error ? err.message : String(err)
  if (text.startsWith('Unable to locate executable file')) return new Error('git is not on PATH')
  return err instanceof Error ? err : new Error(text)
}

/**
 * Runs git to completion through @actions/exec (silent, exit code returned, not thrown) and
 * returns its output: for small, line-oriented outputs (ids, commit objects). `input` goes to its
 * stdin. Rejects only when git cannot be started or its output passes `maxBytes` (collection
 * stops there; exec gives no handle to stop git itself, so for output that can be large, or a call
 * that needs a time limit, use `gitBounded`).
 */
export async function git(
  cwd: string,
  args: string[],
  opts: { maxBytes?: number; input?: Buffer } = {}
): Promise<GitResult> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024
  const chunks: Buffer[] = []
  let size = 0
  let stderr = ''
  const code = await exec('git', [...GLOBAL_ARGS, ...args], {
    cwd,
    env: gitEnv() as Record<string, string>,
    silent: true,
    outStream: discard(),
    errStream: discard(),
    ignoreReturnCode: true,
    input: opts.input,
    listeners: {
      stdout: (d: Buffer) => {
        size += d.length
        if (size <= maxBytes) chunks.push(d)
      },
      stderr: (d: Buffer) => {
        if (stderr.length < MAX_STDERR) stderr += d.toString('utf8')
      }
    }
  }).catch((err: unknown) => {
    throw notStarted(err)
  })
  if (size > maxBytes) throw new Error(`git ${args[0] ?? ''} printed more than ${maxBytes} bytes`)
  // A signal leaves no exit code (exec resolves null).
  return { code: typeof code === 'number' ? code : 128, stdout: Buffer.concat(chunks), stderr }
}

/**
 * Runs git to completion with `spawn`, killed past `maxBytes` of output or `timeoutMs`. Used
 * instead of `git` where @actions/exec does not fit: it gives no handle on its child (so no time
 * limit: a fetch from an origin that stopped answering must not hold the job), and it splits
 * stdout into lines as it goes, which is quadratic on NUL-separated output without line breaks
 * (`ls-files -z` of a large untracked tree: 16 MB took 10 s).
 */
export function gitBounded(
  cwd: string,
  args: string[],
  opts: { maxBytes?: number; timeoutMs?: number } = {}
): Promise<GitResult> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...GLOBAL_ARGS, ...args], {
      cwd,
      env: gitEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL'
    })
    const chunks: Buffer[] = []
    let size = 0
    const stderr = collectStderr(child.stderr)
    child.stdout.on('data', (d: Buffer) => {
      size += d.length
      if (size > maxBytes) {
        child.kill('SIGKILL')
        reject(new Error(`git ${args[0] ?? ''} printed more than ${maxBytes} bytes`))
      } else {
        chunks.push(d)
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const exit = code ?? (signal ? 128 : 1)
      resolve({ code: exit, stdout: Buffer.concat(chunks), stderr: stderr() })
    })
  })
}

/** Runs git and returns trimmed stdout, or throws `GitError` on a non-zero exit. */
export async function gitText(cwd: string, args: string[]): Promise<string> {
  const r = await git(cwd, args)
  if (r.code !== 0) throw new GitError(args, r.code, r.stderr)
  return r.stdout.toString('utf8').trim()
}

export interface GitStream {
  /** stdout, chunk by chunk, with backpressure: git waits while the reader is busy. */
  chunks: AsyncIterable<Buffer>
  /** Stops git early (the reader has all it needs); `done` then resolves with `stopped: true`. */
  stop(): void
  done: Promise<{ code: number; stopped: boolean; stderr: string }>
}

/**
 * Starts git with stdout streamed: memory stays bounded by what the reader keeps. `spawn`, not
 * @actions/exec: exec hands output to listeners as fast as git writes it, with no way to make git
 * wait, so a 100 MB diff would pile up in memory while the reader is busy.
 */
export function gitStream(cwd: string, args: string[]): GitStream {
  const child = spawn('git', [...GLOBAL_ARGS, ...args], {
    cwd,
    env: gitEnv(),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const stderr = collectStderr(child.stderr)
  let stopped = false
  const done = new Promise<{ code: number; stopped: boolean; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stopped, stderr: stderr() })
      )
    }
  )
  // The reader may see the spawn error through `done`; keep it from being unhandled meanwhile.
  done.catch(() => undefined)
  // When git exits, Node drains and drops whatever of its stdout nobody has started reading, and
  // a diff started early is read only when its turn comes. Piped on, the output waits here; the
  // pipe still makes git wait while this holds its high-water mark, and passes errors on.
  const out = new PassThrough()
  pipeline(child.stdout, out, () => undefined)
  return {
    chunks: out,
    stop() {
      if (stopped) return
      stopped = true
      out.destroy()
      child.stdout.destroy()
      child.kill('SIGTERM')
    },
    done
  }
}
