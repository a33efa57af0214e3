/** A log that records what each level was given, in the gate's shape (src/egress/log.ts). */
import { vi } from 'vitest'
import type { RunnerLog } from '../../src/egress/log.ts'

export interface RecordedLog extends RunnerLog {
  debugs: string[]
  infos: string[]
  warnings: string[]
  notices: string[]
  blocks: Array<{ title: string; body: string }>
}

export function recordingLog(): RecordedLog {
  const r: Omit<RecordedLog, keyof RunnerLog> = {
    debugs: [],
    infos: [],
    warnings: [],
    notices: [],
    blocks: []
  }
  return {
    ...r,
    debug: (m) => void r.debugs.push(m),
    info: (m) => void r.infos.push(m),
    warning: (m) => void r.warnings.push(m),
    notice: (m) => void r.notices.push(m),
    block: (title, body) => void r.blocks.push({ title, body })
  }
}

/** Everything written to stdout from now until `vi.restoreAllMocks()`, chunk by chunk. */
export function captureStdout(): string[] {
  const chunks: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk))
    return true
  })
  return chunks
}
