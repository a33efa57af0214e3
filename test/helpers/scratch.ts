/** Fixtures and scratch folders a test file makes, all removed when the file's tests end. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

export interface ScratchSpace {
  /** Removes the fixture with the rest. */
  track<T extends { cleanup(): void }>(fx: T): T
  /** A fresh empty folder. */
  scratch(): string
}

/** Call at the top of a test file: registers the cleanup with that file's `afterAll`. */
export function scratchSpace(prefix: string): ScratchSpace {
  const cleanups: Array<() => void> = []
  afterAll(() => {
    for (const c of cleanups.splice(0)) c()
  })
  return {
    track(fx) {
      cleanups.push(() => fx.cleanup())
      return fx
    },
    scratch() {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
      return dir
    }
  }
}
