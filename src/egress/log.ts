/**
 * The log sink: the only writer of the runner's log. Every message passes the credential scrub
 * and has workflow commands made inert (./commands.ts), because a message may quote a PR title,
 * a branch, a git error or Devin's answer; the action's own commands (groups, annotations, masks)
 * are issued here by @actions/core, which escapes their data. Long untrusted texts (a prompt,
 * Devin's messages) go in `block`, fenced with `stop-commands` and a fresh random token, so the
 * runner reads no command from them at all.
 */
import { randomUUID } from 'node:crypto'
import { EOL } from 'node:os'
import * as core from '@actions/core'
import type { Log } from '../hygiene/log.js'
import { scrubCredentialShapes } from '../hygiene/scrub.js'
import { neutralizeCommands } from './commands.js'

export interface RunnerLog extends Log {
  notice(message: string): void
  /** A folded group whose body is shown as it is and can issue no workflow command. */
  block(title: string, body: string): void
}

type Scrub = (text: string) => string

export interface LogWriter {
  write(text: string): void
}

const stdout: LogWriter = { write: (text) => process.stdout.write(text) }

/** `scrub` removes the run's own credentials; shapes of others' (Bearer, `cog_`) always go. */
export function openLog(scrub: Scrub = (t) => t, out: LogWriter = stdout): RunnerLog {
  const clean = (text: string): string => neutralizeCommands(scrubCredentialShapes(scrub(text)))
  return {
    debug: (m) => core.debug(clean(m)),
    info: (m) => core.info(clean(m)),
    warning: (m) => core.warning(clean(m)),
    notice: (m) => core.notice(clean(m)),
    block(title, body) {
      core.startGroup(clean(title))
      const token = randomUUID()
      out.write(
        `::stop-commands::${token}${EOL}${scrubCredentialShapes(scrub(body))}${EOL}::${token}::${EOL}`
      )
      core.endGroup()
    }
  }
}

/** For the moments before the credentials are read, and for modules' defaults. */
export const runnerLog: RunnerLog = openLog()
