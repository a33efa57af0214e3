/**
 * Devin's messages in the log: each printed once, as a collapsible group that the log gate fences
 * so Devin's text cannot issue workflow commands (src/egress/log.ts `block`), and read sparingly
 * (see `MessageStream.afterPoll`).
 */
import type { DevinClient, DevinMessage } from '../devin/client.js'
import { DevinApiError } from '../devin/errors.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'

const MESSAGE_PAGE = 100
const MAX_MESSAGE_PAGES = 20
/** Message reads a poll earns, and how many can be banked: ≤ 1 read per 20 polls over time. */
const READS_PER_POLL = 1 / 20
const MAX_BANKED_READS = 2

export function messageTitle(m: DevinMessage): string {
  const first = (m.message.split('\n').find((l) => l.trim() !== '') ?? '').trim()
  const flat = first.replace(/[\p{Cc}\p{Cf}]/gu, ' ')
  const short = flat.length > 100 ? `${flat.slice(0, 99)}…` : flat
  return `💬 ${m.source}: ${short || '(empty message)'}`
}

/**
 * Devin's messages, each printed once. Pages are read from the last cursor the API gave; it gives
 * none on the last page, so that page may be read again and is de-duplicated on `event_id`.
 */
export class MessageStream {
  #after: string | undefined
  readonly #seen = new Set<string>()
  #tokens = MAX_BANKED_READS
  #due = false
  #warned = false
  requests = 0
  printed = 0

  readonly #devin: Pick<DevinClient, 'listMessages'>
  readonly #orgId: string
  readonly #sessionId: string
  readonly #print: (title: string, body: string) => void
  readonly #log: Pick<Log, 'warning'>
  readonly #scrub: (text: string) => string

  constructor(o: {
    devin: Pick<DevinClient, 'listMessages'>
    orgId: string
    sessionId: string
    print: (title: string, body: string) => void
    log: Pick<Log, 'warning'>
    scrub?: (text: string) => string
  }) {
    this.#devin = o.devin
    this.#orgId = o.orgId
    this.#sessionId = o.sessionId
    this.#print = o.print
    this.#log = o.log
    this.#scrub = o.scrub ?? ((t) => t)
  }

  /**
   * Called after every poll. A change marks messages due; a fetch costs a token and a poll earns
   * 1/20 of one (at most 2 banked). The last fetch, once Devin stopped, is always made.
   */
  async afterPoll(changed: boolean, final: boolean): Promise<void> {
    this.#tokens = Math.min(MAX_BANKED_READS, this.#tokens + READS_PER_POLL)
    if (changed) this.#due = true
    if (!final && !(this.#due && this.#tokens >= 1)) return
    this.#tokens = Math.max(0, this.#tokens - 1)
    this.#due = false
    await this.fetch()
  }

  async fetch(): Promise<void> {
    let after = this.#after
    for (let n = 0; n < MAX_MESSAGE_PAGES; n++) {
      let page
      try {
        this.requests++
        page = await this.#devin.listMessages(this.#orgId, this.#sessionId, {
          after,
          first: MESSAGE_PAGE
        })
      } catch (err) {
        // A cursor the server no longer knows: start over; de-duplication hides the repeats.
        if (err instanceof DevinApiError && (err.status === 400 || err.status === 422) && after)
          this.#after = undefined
        if (!this.#warned)
          this.#log.warning(`Could not read the session's messages: ${errorText(err)}`)
        this.#warned = true
        return
      }
      for (const m of page.items) this.#show(m)
      if (!page.hasNextPage || !page.endCursor || page.endCursor === after) return
      after = this.#after = page.endCursor
    }
  }

  #show(m: DevinMessage): void {
    const key = m.event_id || `${m.created_at}:${m.source}:${m.message}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    // The handoff itself (and other user messages) are not news in this log.
    if (m.source === 'user') return
    this.printed++
    this.#print(this.#scrub(messageTitle(m)), this.#scrub(m.message))
  }
}
