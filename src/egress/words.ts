/**
 * Devin's own words on their way out (the log, the comment, the check run, the `last-message`
 * output). Devin holds the organization's secrets (`secret-ids`) and reads the repository; a
 * message that quotes one would otherwise be published in a log or on a pull request strangers can read. So
 * the words pass the same secret screen as every request to Devin, always redacting, whatever
 * `secret-scan` says about the prompt.
 */
import type { Log } from '../hygiene/log.js'
import { screenTexts } from '../hygiene/secret-screen.js'

export async function screenDevinWords(text: string, log: Pick<Log, 'warning'>): Promise<string> {
  return (await screenDevinMessages([text], log))[0] ?? ''
}

/** Several messages in one pass of the screen (a page of them, on its way to the log). */
export async function screenDevinMessages(
  texts: string[],
  log: Pick<Log, 'warning'>
): Promise<string[]> {
  const { texts: out } = await screenTexts(
    texts.map((text) => ({
      text,
      where: (line: number) => `Devin's message:${line}`,
      warning: (label: string, line: number) =>
        `Possible ${label} in Devin's message (line ${line}) was redacted before it was shown.`
    })),
    'redact',
    log
  )
  return out
}
