/** A log that records what each level was given, in the gate's shape (src/egress/log.ts). */
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
