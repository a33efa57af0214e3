/**
 * The logging surface that modules which log take as a parameter, so tests can pass a recorder;
 * the entries pass `coreLog`, which writes through @actions/core.
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
