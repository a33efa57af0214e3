/**
 * The sticky comment as a reader meets it: the marker line, then one bold headline
 * (`**✅ Finished** · 12m 3s · 4.2 ACUs · #45 · [Devin session](…)`). Tests read the state from
 * the headline alone, since the same words may appear lower down (the timeline, Devin's quote).
 */

const MARKER_LINE = /^<!-- devin-handoff:[^\n]*? -->\n/

/** The line right after the marker, or undefined when the body does not start with one. */
export function headlineOf(body: string): string | undefined {
  const m = MARKER_LINE.exec(body)
  if (!m) return undefined
  return body.slice(m[0].length).split('\n', 1)[0]
}

/** The headline's bold state (`✅ Finished`, `⏳ Working`…), or undefined without one. */
export function stateOf(body: string): string | undefined {
  const line = headlineOf(body)
  return line === undefined ? undefined : /^\*\*([^*\n]+)\*\*(?: · |$)/.exec(line)?.[1]
}
