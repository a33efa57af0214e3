/**
 * Downloads a session's attachments into `attachments-path`. Names come from Devin (and through it
 * from anyone who can talk to the session), so each is reduced to a plain file name before it
 * touches the disk: nothing can be written outside the directory, whatever the name says.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, realpath, rename, rm } from 'node:fs/promises'
import * as path from 'node:path'
import type { DevinAttachment, DevinClient } from '../devin/client.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import { isInside, realDestination } from '../run/workspace-paths.js'

export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
export const MAX_ATTACHMENTS = 200
const MAX_NAME_BYTES = 200
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i

function truncateBytes(text: string, max: number): string {
  let out = text
  while (Buffer.byteLength(out) > max) out = [...out].slice(0, -1).join('')
  return out
}

/**
 * A single safe path segment: the last component of the name (either separator), without
 * control or format characters (bidi overrides included), characters Windows forbids, leading
 * dots, or trailing dots and spaces; `fallback` when nothing is left.
 */
export function sanitizeFileName(name: string, fallback = 'attachment'): string {
  const last = name.normalize('NFC').split(/[/\\]/).pop() ?? ''
  let clean = last
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '')
  if (WINDOWS_RESERVED.test(clean)) clean = `_${clean}`
  if (clean === '') clean = fallback
  const ext = path.extname(clean)
  if (Buffer.byteLength(clean) > MAX_NAME_BYTES) {
    const keepExt = Buffer.byteLength(ext) <= 20 ? ext : ''
    clean =
      truncateBytes(
        clean.slice(0, clean.length - keepExt.length),
        MAX_NAME_BYTES - Buffer.byteLength(keepExt)
      ) + keepExt
  }
  return clean
}

/** `name`, or `stem (2).ext`, `stem (3).ext`, … when taken (case-insensitive, as on macOS and Windows). */
export function uniqueName(name: string, taken: Set<string>): string {
  const ext = path.extname(name)
  const stem = name.slice(0, name.length - ext.length)
  let candidate = name
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`
  taken.add(candidate.toLowerCase())
  return candidate
}

/** The file inside `dir` for `name`; throws if it would not be a direct child of `dir`. */
export function targetPath(dir: string, name: string): string {
  const file = path.resolve(dir, name)
  if (path.dirname(file) !== path.resolve(dir) || path.basename(file) !== name) {
    throw new Error(`refusing to write '${name}' outside ${dir}`)
  }
  return file
}

export interface DownloadOptions {
  devin: Pick<DevinClient, 'listAttachments' | 'download'>
  orgId: string
  sessionId: string
  /** Absolute directory to write into (created if missing). */
  dir: string
  /**
   * The workspace: `dir` must stay inside it, symbolic links resolved, and paths in the result
   * are relative to it, with `/` separators.
   */
  relativeTo: string
  log: Pick<Log, 'info' | 'warning'>
  maxBytes?: number
}

export interface DownloadResult {
  files: string[]
  failed: number
}

/**
 * Refuses a folder that a symbolic link takes out of the workspace: checked on where creating it
 * would land (it may not exist yet), and again once it exists. The input was checked at the
 * start; the workspace may have changed while the session ran.
 */
export async function ensureFolderInside(dir: string, workspace: string): Promise<void> {
  const root = await realDestination(workspace)
  const refuse = (real: string): Error =>
    new Error(`refusing to write attachments to ${dir}: a symbolic link takes it to ${real}`)
  const planned = await realDestination(dir)
  if (!isInside(root, planned)) throw refuse(planned)
  await mkdir(dir, { recursive: true })
  const real = await realpath(dir)
  if (!isInside(root, real)) throw refuse(real)
}

/**
 * Downloads every attachment the session lists. A failed download warns and the rest go on;
 * a file is written under a temporary name and renamed into place, so a half-written file or a
 * symlink planted at the target name is never followed.
 */
export async function downloadAttachments(o: DownloadOptions): Promise<DownloadResult> {
  // The CI logs this action uploaded (src/handoff/ci.ts names them) are not Devin's output.
  const list = (await o.devin.listAttachments(o.orgId, o.sessionId)).filter(
    (a) => !(a.source === 'user' && /^ci-log-\d+(-[a-z0-9-]+)?\.txt$/.test(a.name))
  )
  if (list.length === 0) {
    o.log.info('The Devin session has no attachments.')
    return { files: [], failed: 0 }
  }
  const dir = path.resolve(o.dir)
  await ensureFolderInside(dir, o.relativeTo)
  const taken = new Set<string>()
  const files: string[] = []
  let failed = 0
  const chosen = list.slice(0, MAX_ATTACHMENTS)
  if (list.length > chosen.length) {
    o.log.warning(
      `The session lists ${list.length} attachments; downloading the first ${chosen.length}.`
    )
  }
  for (const [i, a] of chosen.entries()) {
    const name = uniqueName(sanitizeFileName(a.name, fallbackName(a, i)), taken)
    try {
      const file = targetPath(dir, name)
      const data = await o.devin.download(a.url, o.maxBytes ?? MAX_ATTACHMENT_BYTES)
      await writeAtomically(dir, file, data)
      const rel = path.relative(o.relativeTo, file).split(path.sep).join('/')
      files.push(rel)
      o.log.info(`Downloaded attachment ${JSON.stringify(a.name)} → ${rel} (${data.length} bytes)`)
    } catch (err) {
      failed++
      o.log.warning(`Could not download attachment ${JSON.stringify(a.name)}: ${errorText(err)}`)
    }
  }
  return { files, failed }
}

function fallbackName(a: DevinAttachment, i: number): string {
  const id = sanitizeFileName(a.attachment_id, '')
  return `attachment-${id || i + 1}`
}

// O_EXCL already refuses an existing name, link or not; O_NOFOLLOW says so where it is read.
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

/** rename() replaces a symbolic link at `file` itself; it never writes through it. */
async function writeAtomically(dir: string, file: string, data: Buffer): Promise<void> {
  const tmp = path.join(dir, `.devin-${randomBytes(6).toString('hex')}.part`)
  try {
    const handle = await open(tmp, CREATE_NEW, 0o644)
    try {
      await handle.writeFile(data)
    } finally {
      await handle.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined)
    throw err
  }
}
