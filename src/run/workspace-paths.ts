/**
 * Paths that inputs name (`prompt-file`, `attachments-path`) must stay inside the workspace, as
 * text and where the file system resolves them.
 */
import { lstat, readlink, realpath } from 'node:fs/promises'
import * as path from 'node:path'
import { InputError } from './input-error.js'

/**
 * `abs` is `root` or below it (both absolute; a name that merely starts with `..` is below).
 * Paths are checked as text and again where the file system resolves them: the repository, which
 * a pull request changes, may hold symbolic links (`prompt-file: task.md` to a runner file).
 */
export function isInside(root: string, abs: string): boolean {
  const back = path.relative(root, abs)
  return !path.isAbsolute(back) && back !== '..' && !back.startsWith(`..${path.sep}`)
}

/**
 * Where a write to `abs` would land: its real path, or, when it does not exist yet, the real path
 * of its deepest existing ancestor with the rest appended. A dangling link is followed to where
 * it points, since creating the path would create its target.
 */
export async function realDestination(abs: string, links = 0): Promise<string> {
  const rest: string[] = []
  let at = path.resolve(abs)
  for (;;) {
    try {
      return path.join(await realpath(at), ...rest)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw err
    }
    if ((await lstat(at).catch(() => undefined))?.isSymbolicLink()) {
      // As Linux, which gives up after 40 links.
      if (links >= 40)
        throw Object.assign(new Error(`too many symbolic links at ${at}`), { code: 'ELOOP' })
      const target = path.resolve(path.dirname(at), await readlink(at))
      return realDestination(path.join(target, ...rest), links + 1)
    }
    rest.unshift(path.basename(at))
    at = path.dirname(at)
  }
}

/** Resolves a workspace-relative path and refuses one whose text leaves the workspace. */
export function resolveInWorkspace(name: string, workspace: string, rel: string): string {
  const abs = path.resolve(workspace, rel)
  if (!isInside(path.resolve(workspace), abs)) {
    throw new InputError(name, `expected a path inside the workspace, got '${rel}'`)
  }
  return abs
}

/** Refuses a path that a symbolic link takes out of the (real) workspace. */
export async function requireRealInside(name: string, ws: string, rel: string, real: string) {
  if (isInside(await realDestination(ws), real)) return
  throw new InputError(
    name,
    `expected a path inside the workspace, got '${rel}', which a symbolic link takes to '${real}'`
  )
}
