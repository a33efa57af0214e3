/** Untracked files, read from the workspace; never executed, and symlinks are not followed. */
import { lstat, open, readlink } from 'node:fs/promises'
import { gitBounded, GitError } from './git.js'

/** Untracked, unignored files (keys). NUL-separated and possibly large: see `gitBounded`. */
export async function listUntracked(cwd: string): Promise<string[]> {
  const r = await gitBounded(cwd, ['ls-files', '--others', '--exclude-standard', '-z'])
  if (r.code !== 0) throw new GitError(['ls-files'], r.code, r.stderr)
  return r.stdout.toString('latin1').split('\0').filter(Boolean)
}

export interface UntrackedFile {
  mode: string
  binary: boolean
  /** Lines, as git counts them (a last line without newline counts). */
  lines: number
  /** The content, when it is text and no larger than the `maxRead` asked for. */
  content?: Buffer
}

const SNIFF_BYTES = 8000 // git's own binary test: a NUL in the first 8000 bytes

function countLines(buf: Buffer, end = buf.length): number {
  let n = 0
  for (let i = buf.indexOf(10); i !== -1 && i < end; i = buf.indexOf(10, i + 1)) n++
  return n
}

/** Reads one untracked file (key = path bytes as latin1), keeping at most `maxRead` bytes. */
export async function readUntracked(
  top: string,
  key: string,
  maxRead: number
): Promise<UntrackedFile> {
  const path = Buffer.concat([Buffer.from(`${top}/`), Buffer.from(key, 'latin1')])
  const st = await lstat(path).catch(() => undefined)
  if (st?.isSymbolicLink()) {
    const target = await readlink(path, { encoding: 'buffer' })
    return {
      mode: '120000',
      binary: false,
      lines: 1,
      content: target.length <= maxRead ? target : undefined
    }
  }
  if (!st?.isFile()) return { mode: '160000', binary: false, lines: 0 }
  const mode = st.mode & 0o111 ? '100755' : '100644'
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(Math.min(st.size, Math.max(SNIFF_BYTES, maxRead + 1)))
    const { bytesRead } = await fh.read(head, 0, head.length, 0)
    const first = head.subarray(0, bytesRead)
    if (first.subarray(0, SNIFF_BYTES).includes(0)) return { mode, binary: true, lines: 0 }
    let lines = countLines(first)
    let last = first[first.length - 1]
    if (bytesRead === st.size && bytesRead <= maxRead) {
      return {
        mode,
        binary: false,
        lines: lines + (last !== undefined && last !== 10 ? 1 : 0),
        content: first
      }
    }
    // Too big to show: count the rest without keeping it.
    const chunk = Buffer.alloc(1 << 20)
    let offset = bytesRead
    for (;;) {
      const r = await fh.read(chunk, 0, chunk.length, offset)
      if (r.bytesRead === 0) break
      lines += countLines(chunk, r.bytesRead)
      last = chunk[r.bytesRead - 1]
      offset += r.bytesRead
    }
    return { mode, binary: false, lines: lines + (last !== undefined && last !== 10 ? 1 : 0) }
  } finally {
    await fh.close()
  }
}
