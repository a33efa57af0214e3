/**
 * The git edge: runs git (never a shell) in the workspace with options that keep the repository's
 * configuration from running programs. Finding the range to diff is in ./range.ts, untracked
 * files in ./untracked.ts. Nothing here checks out or runs code from the change.
 */
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
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

/**
 * Runs git to completion and returns its output (for small outputs: lists, shas). Rejects only
 * when git cannot be started or its output passes `maxBytes`; a non-zero exit is in `code`.
 */
export function git(
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
export async function gitText(cwd: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await git(cwd, args, { timeoutMs })
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

/** Starts git with stdout streamed: memory stays bounded by what the reader keeps. */
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
  return {
    chunks: child.stdout as AsyncIterable<Buffer>,
    stop() {
      if (stopped) return
      stopped = true
      child.stdout.destroy()
      child.kill('SIGTERM')
    },
    done
  }
}
