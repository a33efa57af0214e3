/**
 * Devin's own words on their way to the PR (the comment, the check run, the `last-message`
 * output). Devin holds the organization's secrets (`secret-ids`) and reads the repository; a
 * message that quotes one would otherwise be published on a pull request strangers can read. So
 * the words pass the same secret screen as every request to Devin, always redacting, whatever
 * `secret-scan` says about the prompt.
 */
import type { Log } from '../hygiene/log.js'
import { screenTexts } from '../hygiene/secret-screen.js'

export async function screenDevinWords(text: string, log: Pick<Log, 'warning'>): Promise<string> {
  const { texts } = await screenTexts(
    [
      {
        text,
        where: (line) => `Devin's message:${line}`,
        warning: (label, line) =>
          `Possible ${label} in Devin's message (line ${line}) was redacted before it was shown on the pull request.`
      }
    ],
    'redact',
    log
  )
  return texts[0] ?? ''
}
