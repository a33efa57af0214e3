/** A Devin session as the report shows it. */
import type { DevinSession } from '../devin/types.js'
import type { SessionView } from './run-state.js'

export function toView(s: DevinSession): SessionView {
  return {
    id: s.sessionId,
    // The docs say to use the returned URL; build one only if the server left it out.
    url: s.url ?? `https://app.devin.ai/sessions/${s.sessionId}`,
    status: s.status,
    detail: s.status_detail ?? '',
    title: s.title ?? undefined,
    acus: s.acus_consumed ?? undefined,
    pullRequests: s.pull_requests.map((p) => p.pr_url).filter((u) => u !== ''),
    structuredOutput: s.structured_output ?? undefined
  }
}
