export const COMMENT_GAP_MS = 10_000

/** Edits the sticky comment only on a change, at most one per `gapMs`, never losing the last one. */
export class CommentThrottle {
  #lastAt: number
  #pending = false
  #stopped = false
  #inflight: Promise<void> = Promise.resolve()
  edits = 0

  readonly #publish: () => Promise<void>
  readonly #clock: () => number
  readonly #gapMs: number

  constructor(publish: () => Promise<void>, clock: () => number, gapMs = COMMENT_GAP_MS) {
    this.#publish = publish
    this.#clock = clock
    this.#gapMs = gapMs
    // The comment was written just before waiting started.
    this.#lastAt = clock()
  }

  request(): void {
    this.#pending = !this.#stopped
  }

  /** When a pending edit may go out; undefined when none is pending. */
  get dueAt(): number | undefined {
    return this.#pending ? this.#lastAt + this.#gapMs : undefined
  }

  async flushIfDue(): Promise<void> {
    const due = this.dueAt
    if (due === undefined || this.#clock() < due || this.#stopped) return
    this.#pending = false
    // A fresh reading, not the one checked: time spent since the check can only lengthen the gap.
    this.#lastAt = this.#clock()
    this.edits++
    this.#inflight = this.#publish()
    await this.#inflight
  }

  /** No more edits from the loop (the final one is someone else's); resolves when any in flight is done. */
  stop(): Promise<void> {
    this.#stopped = true
    this.#pending = false
    return this.#inflight
  }
}
