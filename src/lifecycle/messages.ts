/**
 * Devin's messages in the log: each printed once, as a collapsible group that the log gate fences
 * so Devin's text cannot issue workflow commands (src/egress/log.ts `block`).
 */
import type { DevinClient, DevinMessage } from '../devin/client.js'
import { DevinApiError } from '../devin/errors.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'

/**
 * The largest page the API serves (`first` ≤ 200), so one read a poll brings every new message
 * but when those since the last cursor reach past a page. The API names no cursor on its last
 * page, so no single read can both bring the messages across a page boundary and learn where it
 * is: those past it come with the next poll, once per 200 messages (or a page a poll in a flood).
 */
export const MESSAGE_PAGE = 200
/** Pages read at the end of the wait, so a stop right after a burst still shows all of it. */
export const MAX_DRAIN_PAGES = 20

type PageOutcome = 'more' | 'done' | 'failed'

export function messageTitle(m: DevinMessage): string {
  const first = (m.message.split('\n').find((l) => l.trim() !== '') ?? '').trim()
  const flat = first.replace(/[\p{Cc}\p{Cf}]/gu, ' ')
  const short = flat.length > 100 ? `${flat.slice(0, 99)}…` : flat
  return `💬 ${m.source}: ${short || '(empty message)'}`
}

/**
 * Devin's messages, each printed once. Pages are read from the last cursor the API gave; the
 * docs say it gives none on the last page, so that page is read again and de-duplicated on
 * `event_id`. A cursor given on the last page is kept, so the next read starts after it.
 */
export class MessageStream {
  #after: string | undefined
  readonly #seen = new Set<string>()
  #warned = false
  /** Requests made, and Devin messages printed (the handoff and other user messages are not). */
  requests = 0
  printed = 0
  /** The text of the last message Devin wrote (not the handoff's), once one was read. */
  last: string | undefined

  readonly #devin: Pick<DevinClient, 'listMessages'>
  readonly #orgId: string
  readonly #sessionId: string
  readonly #print: (title: string, body: string) => void
  readonly #log: Pick<Log, 'warning'>
  readonly #scrub: (text: string) => string
  readonly #screen: (texts: string[]) => Promise<string[]>

  constructor(o: {
    devin: Pick<DevinClient, 'listMessages'>
    orgId: string
    sessionId: string
    print: (title: string, body: string) => void
    log: Pick<Log, 'warning'>
    scrub?: (text: string) => string
    /** The secret screen Devin's words pass before they are shown (src/egress/words.ts). */
    screen?: (texts: string[]) => Promise<string[]>
  }) {
    this.#devin = o.devin
    this.#orgId = o.orgId
    this.#sessionId = o.sessionId
    this.#print = o.print
    this.#log = o.log
    this.#scrub = o.scrub ?? ((t) => t)
    this.#screen = o.screen ?? (async (texts) => texts)
  }

  /** One page from where the last read stopped: exactly one request, whatever is waiting. */
  async read(): Promise<void> {
    await this.#page()
  }

  /** Pages until the API has no more (at most MAX_DRAIN_PAGES), or until a read fails. */
  async drain(): Promise<void> {
    for (let n = 0; n < MAX_DRAIN_PAGES; n++) if ((await this.#page()) !== 'more') return
  }

  async #page(): Promise<PageOutcome> {
    const after = this.#after
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
      // Once per wait: a failing listing would otherwise repeat the same warning every poll.
      if (!this.#warned)
        this.#log.warning(`Could not read the session's messages: ${errorText(err)}`)
      this.#warned = true
      return 'failed'
    }
    await this.#showAll(page.items)
    const moved = page.endCursor !== null && page.endCursor !== after
    if (moved) this.#after = page.endCursor ?? undefined
    return page.hasNextPage && moved ? 'more' : 'done'
  }

  /** New Devin messages of a page, through the secret screen in one pass, then printed. */
  async #showAll(items: DevinMessage[]): Promise<void> {
    const news: DevinMessage[] = []
    for (const m of items) {
      const key = m.event_id || `${m.created_at}:${m.source}:${m.message}`
      if (this.#seen.has(key)) continue
      this.#seen.add(key)
      // The handoff itself (and other user messages) are not news in this log.
      if (m.source !== 'user') news.push(m)
    }
    if (news.length === 0) return
    const texts = await this.#screen(news.map((m) => m.message))
    news.forEach((m, i) => {
      const shown = { ...m, message: texts[i] ?? '' }
      this.printed++
      this.last = shown.message
      this.#print(this.#scrub(messageTitle(shown)), this.#scrub(shown.message))
    })
  }
}
