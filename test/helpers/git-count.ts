/**
 * Counts the git processes a run starts: a `git` shim put first on PATH records each argv in a
 * file and execs the real git. Used by the process-count test and by bench/startup.ts.
 *
 * What counts is what the action starts. Git's own helpers (a fetch's upload-pack, index-pack…)
 * find the real git through git's exec path, or reach this shim with GIT_COUNT_NESTED set by the
 * outer call, and are recorded as `nested`, not counted.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface GitCall {
  /** The arguments after the global options (`-c name=value`, `--no-pager`): `diff …`, `fetch …`. */
  args: string[]
  /** The subcommand, e.g. `rev-parse`. */
  command: string
  /** Started by git itself rather than by the action. */
  nested: boolean
}

export interface GitCounter {
  /** Directory holding the shim: put it first on PATH. */
  dir: string
  /** `PATH` with the shim first, before `rest`. */
  path(rest: string): string
  /** Every call recorded so far, in the order they started. */
  calls(): GitCall[]
  /** Calls the action started (not git's own helpers). */
  started(): GitCall[]
  /** Forgets the calls so far (between two runs). */
  reset(): void
  cleanup(): void
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** Strips `-c name=value` pairs and `--no-pager`, the options every call starts with. */
export function withoutGlobals(argv: string[]): string[] {
  let i = 0
  while (i < argv.length) {
    if (argv[i] === '-c') i += 2
    else if (argv[i] === '--no-pager') i += 1
    else break
  }
  return argv.slice(i)
}

export function parseCalls(log: string): GitCall[] {
  return log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, nested = '0', ...argv] = line.split('\t')
      const args = withoutGlobals(argv)
      return { args, command: args[0] ?? '', nested: nested === '1' }
    })
}

export function makeGitCounter(): GitCounter {
  const dir = mkdtempSync(join(tmpdir(), 'git-count-'))
  const log = join(dir, 'calls.log')
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()
  if (!real.startsWith('/')) throw new Error(`git-count: no git on PATH (${real})`)
  writeFileSync(log, '')
  // One printf per call: concurrent calls append whole lines (O_APPEND, well under PIPE_BUF).
  writeFileSync(
    join(dir, 'git'),
    [
      '#!/bin/sh',
      'if [ -n "$GIT_COUNT_NESTED" ]; then rec="$$\t1"; else rec="$$\t0"; fi',
      'for a in "$@"; do rec="$rec\t$a"; done',
      `printf '%s\\n' "$rec" >> ${quote(log)}`,
      'GIT_COUNT_NESTED=1',
      'export GIT_COUNT_NESTED',
      `exec ${quote(real)} "$@"`,
      ''
    ].join('\n')
  )
  chmodSync(join(dir, 'git'), 0o755)
  const calls = (): GitCall[] => parseCalls(readFileSync(log, 'utf8'))
  return {
    dir,
    path: (rest) => `${dir}:${rest}`,
    calls,
    started: () => calls().filter((c) => !c.nested),
    reset: () => writeFileSync(log, ''),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}
