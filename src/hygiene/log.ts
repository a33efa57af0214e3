/**
 * The logging surface every module takes, so tests can pass a recorder; the action passes
 * `coreLog`, which writes through @actions/core.
 */
import * as core from '@actions/core'

export interface Log {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
}

export const coreLog: Log = {
  debug: (m) => core.debug(m),
  info: (m) => core.info(m),
  warning: (m) => core.warning(m)
}
