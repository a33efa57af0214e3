/**
 * How the client sends a request that creates something Devin bills for (a session, a review):
 * never again while the last one's outcome is unknown, and at most three times in all.
 */
import { errorText } from '../hygiene/scrub.js'
import { isUnknownOutcome } from './errors.js'
import { backoffDelay } from './retry.js'
import type { DevinTransport } from './transport.js'

/** What a create sends, looks for when its outcome is unknown, and how messages name them. */
export interface CreateSpec<T> {
  /** `session`, `review`. */
  noun: string
  /** What `find` looks for, without an article: `session tagged X`. */
  sought: string
  /** What the user should do before re-running when the lookup fails. */
  checkFirst: string
  signal?: AbortSignal
  send: () => Promise<T>
  find: () => Promise<T | undefined>
  name: (found: T) => string
}

/**
 * Sends a create at most three times, never while its last outcome is unknown: a POST that may
 * have worked is followed by `find` first, and what it finds is returned as recovered. A
 * lookup that fails leaves the outcome unknown, so nothing more is sent.
 */
export async function createOnce<T>(
  http: DevinTransport,
  c: CreateSpec<T>
): Promise<{ value: T; recovered: boolean }> {
  const maxSends = Math.min(3, http.maxAttempts)
  for (let send = 1; ; send++) {
    let unknown: Error
    try {
      return { value: await c.send(), recovered: false }
    } catch (err) {
      if (!isUnknownOutcome(err)) throw err
      unknown = err
    }
    http.log.warning(
      `Creating the Devin ${c.noun} may or may not have worked (${unknown.message}); ` +
        `looking for a ${c.sought} before trying again.`
    )
    await http.sleep(1000 + backoffDelay(send, http.backoff))
    let found: T | undefined
    try {
      found = await c.find()
    } catch (lookupErr) {
      throw new Error(
        http.scrub(
          `${unknown.message}. Could not check whether the ${c.noun} was created anyway ` +
            `(${errorText(lookupErr)}), so it was not sent again; ${c.checkFirst} ` +
            `before re-running.`
        ),
        { cause: lookupErr }
      )
    }
    if (found !== undefined) {
      http.log.info(`Recovered ${c.name(found)} after an unclear response.`)
      return { value: found, recovered: true }
    }
    if (send >= maxSends) throw unknown
    // A cancelled workflow sends nothing new; the post step (or the next run) looks it up.
    if (c.signal?.aborted) throw unknown
    http.log.warning(`No ${c.sought} exists; sending the create request again.`)
  }
}
