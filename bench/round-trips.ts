/**
 * Which HTTP requests had to wait for another: the emulators' request logs, stamped on this
 * process's clock as each request arrives and as its answer is sent.
 *
 * The stamps come from a watch (`waitFor`) whose check never holds: an emulator runs every watch's
 * check when a request arrives and when an answer is sent, dropped or abandoned, so the check sees
 * each moment as it happens, with no change to the emulators.
 */
import type { HttpEmulator, RecordedRequest } from '../test/emulators/http.ts'

export interface Stamped {
  request: RecordedRequest
  arrived: number
  /** When the answer was sent (or the request given up); Infinity while unanswered. */
  answered: number
}

export function watchRoundTrips(emulators: HttpEmulator[]): { stop(): Stamped[] } {
  const stamped = new Map<RecordedRequest, Stamped>()
  let stopped = false
  for (const emu of emulators) {
    const check = (): boolean => {
      if (stopped) return true
      const now = performance.now()
      for (const request of emu.requests) {
        let s = stamped.get(request)
        if (!s) {
          s = { request, arrived: now, answered: Infinity }
          stamped.set(request, s)
        }
        if (request.answer !== undefined && s.answered === Infinity) s.answered = now
      }
      return false
    }
    emu.waitFor(check, 'the bench to stop watching').catch(() => undefined)
  }
  return {
    stop() {
      stopped = true
      return [...stamped.values()].sort((a, b) => a.arrived - b.arrived)
    }
  }
}

export interface RoundTrips {
  /** Requests up to the first one `isLast` matches, that one included. */
  requests: number
  /** Of those, how many arrived after every earlier one had been answered. */
  sequential: number
  /** `METHOD path` of each, `→` before a sequential one. */
  order: string[]
}

export function roundTrips(
  all: Stamped[],
  isLast: (request: RecordedRequest) => boolean
): RoundTrips {
  const end = all.findIndex((s) => isLast(s.request))
  if (end === -1) throw new Error('round trips: the last request never arrived')
  const upTo = all.slice(0, end + 1)
  let answeredAll = -Infinity
  let sequential = 0
  const order = upTo.map((s) => {
    const waited = s.arrived >= answeredAll
    if (waited) sequential++
    answeredAll = Math.max(answeredAll, s.answered)
    const name = `${s.request.method} ${s.request.path.replace(/[0-9a-f-]{20,}/g, '…')}`
    return waited ? `→ ${name}` : name
  })
  return { requests: upTo.length, sequential, order }
}
