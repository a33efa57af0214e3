/**
 * Budgets per pull request: a loop of pushes, failures and comments must not be able to spend the
 * organization's ACUs all night. What a PR has cost is read from Devin, not kept by the action:
 * the session list by the exact PR tag (src/state/tracking.ts) holds every session the action made
 * for the PR, whatever its comment key, run or state, and each carries its `acus_consumed`. The
 * list is asked for only when a budget is set and a PR is in context; otherwise nothing is sent.
 *
 * `max-sessions-per-pr` stops a new session; a follow-up message to a live session is not one.
 * `max-acus-per-pr` stops both: a message wakes the session, and it spends again.
 */
import type { DevinClient } from '../devin/client.js'
import type { DevinSession } from '../devin/types.js'
import type { Inputs } from '../run/inputs.js'
import { prTag } from '../state/tracking.js'

export type Budgets = Pick<Inputs, 'maxSessionsPerPr' | 'maxAcusPerPr'>

/** What a PR's sessions have cost so far. */
export interface Spent {
  sessions: number
  acus: number
}

/** What is about to be sent: a new session, or a message to a live one. */
export type Spending = 'create' | 'message'

export function budgetSet(b: Budgets): boolean {
  return b.maxSessionsPerPr > 0 || b.maxAcusPerPr > 0
}

/** Sessions counted once each (a list can repeat one across pages); an unknown ACU count is 0. */
export function spentOn(sessions: readonly DevinSession[]): Spent {
  const byId = new Map(sessions.map((s) => [s.sessionId, s]))
  let acus = 0
  for (const s of byId.values()) {
    const used = s.acus_consumed
    if (typeof used === 'number' && Number.isFinite(used) && used > 0) acus += used
  }
  return { sessions: byId.size, acus }
}

/** Two decimals at most, as Devin shows them; sums of floats must not print 0.30000000000000004. */
function acuText(n: number): string {
  return String(Math.round(n * 100) / 100)
}

/** Why `spending` would go past a budget (the `skip-reason`), or undefined to go on. */
export function overBudget(spent: Spent, b: Budgets, spending: Spending): string | undefined {
  if (b.maxAcusPerPr > 0 && spent.acus >= b.maxAcusPerPr) {
    return `budget: this pull request's Devin sessions have used ${acuText(spent.acus)} ACUs (max-acus-per-pr: ${b.maxAcusPerPr})`
  }
  if (spending === 'create' && b.maxSessionsPerPr > 0 && spent.sessions >= b.maxSessionsPerPr) {
    const had = spent.sessions === 1 ? '1 Devin session' : `${spent.sessions} Devin sessions`
    return `budget: this pull request has had ${had} (max-sessions-per-pr: ${b.maxSessionsPerPr})`
  }
  return undefined
}

/**
 * What the PR has spent, read once per run and only if it can matter: undefined without a budget
 * or a PR (no request is made).
 */
export function budgetReader(
  devin: Pick<DevinClient, 'findSessionsByTags'>,
  o: {
    orgId: string
    slug: string
    pr?: number
    budgets: Budgets
    /** The same list, when the route (./route.ts) already asked for it. */
    listed?: readonly DevinSession[]
  }
): () => Promise<Spent | undefined> {
  let read: Promise<Spent | undefined> | undefined
  return () => {
    if (o.pr === undefined || !budgetSet(o.budgets)) return Promise.resolve(undefined)
    const listed = o.listed
    read ??= listed
      ? Promise.resolve(spentOn(listed))
      : devin.findSessionsByTags(o.orgId, [prTag(o.slug, o.pr)]).then(spentOn)
    return read
  }
}
