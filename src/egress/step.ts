/**
 * The step's own channels to the runner besides the log: outputs, the job summary, the state the
 * post step reads, masks, and the step's failure. Outputs and the summary lose any credential;
 * the summary is cut, without splitting a character, to fit the runner's 1 MiB per step.
 */
import * as core from '@actions/core'
import { scrubCredentialShapes } from '../hygiene/scrub.js'
import { capBytes } from './caps.js'
import { neutralizeCommands } from './commands.js'

type Scrub = (text: string) => string

/** The runner drops a step summary over 1 MiB; leave room for what another step appended. */
export const MAX_SUMMARY_BYTES = 1024 * 1024 - 4096

const CUT = '\n\n_…the rest of this summary was cut to fit the runner’s 1 MiB limit._\n'

export function setOutputs(values: Record<string, string>, scrub: Scrub): void {
  for (const [name, value] of Object.entries(values)) core.setOutput(name, scrub(value))
}

export async function writeSummary(markdown: string, scrub: Scrub): Promise<void> {
  const clean = scrubCredentialShapes(scrub(markdown))
  await core.summary.addRaw(capBytes(clean, MAX_SUMMARY_BYTES, CUT)).write()
}

/** Fails the step with an error annotation (its data is escaped; commands are made inert). */
export function failStep(message: string, scrub: Scrub): void {
  core.setFailed(neutralizeCommands(scrubCredentialShapes(scrub(message))))
}

/** Registers a credential with the runner, which then masks it in the log. */
export function mask(secret: string): void {
  core.setSecret(secret)
}

/** The post step's state: a JSON text, whose credentials become `***` (it stays valid JSON). */
export function saveStepState(key: string, value: string, scrub: Scrub): void {
  core.saveState(key, scrub(value))
}

export function readStepState(key: string): string {
  return core.getState(key)
}
