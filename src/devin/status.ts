/**
 * What Devin's `status` / `status_detail` pair means for the action. The docs give the values
 * but not their meaning, and new values appear over time, so anything unknown counts as
 * "still working" (the wait budget bounds it) and is reported once.
 */

/** How a stop reads for the run (a subset of the run's results). */
export type StopResult = 'finished' | 'needs-input' | 'suspended' | 'error'

export interface Classified {
  /** Devin has stopped working for now; waiting can end. */
  stopped: boolean
  /** The result a stop maps to; absent while working. */
  result?: StopResult
  /** False when the status or detail is not one the docs list. */
  known: boolean
}

const WORKING_STATUSES = new Set(['new', 'creating', 'claimed', 'resuming', 'running'])
const RUNNING_DETAILS = new Set(['working', 'waiting_for_user', 'waiting_for_approval', 'finished'])
export const SUSPEND_REASONS = new Set([
  'inactivity',
  'user_request',
  'usage_limit_exceeded',
  'out_of_credits',
  'out_of_quota',
  'no_quota_allocation',
  'payment_declined',
  'org_usage_limit_exceeded',
  'total_session_limit_exceeded',
  'user_usage_limit_exceeded',
  'contract_expired',
  'error'
])
/** Suspensions a message cannot wake: a human has to fix billing or limits first. */
export const BLOCKING_SUSPEND_REASONS = new Set(
  [...SUSPEND_REASONS].filter((r) => r !== 'inactivity' && r !== 'user_request')
)

export function classify(status: string, detail: string | null | undefined): Classified {
  const d = detail ?? ''
  switch (status) {
    case 'exit':
      return { stopped: true, result: 'finished', known: true }
    case 'error':
      return { stopped: true, result: 'error', known: true }
    case 'suspended':
      return { stopped: true, result: 'suspended', known: d === '' || SUSPEND_REASONS.has(d) }
    case 'running':
      if (d === 'finished') return { stopped: true, result: 'finished', known: true }
      if (d === 'waiting_for_user' || d === 'waiting_for_approval') {
        return { stopped: true, result: 'needs-input', known: true }
      }
      return { stopped: false, known: d === '' || RUNNING_DETAILS.has(d) }
    default:
      return { stopped: false, known: WORKING_STATUSES.has(status) }
  }
}

/** A live session can take a follow-up message; ended or billing-blocked ones cannot. */
export function isLive(status: string, detail: string | null | undefined): boolean {
  if (status === 'exit' || status === 'error') return false
  if (status === 'suspended') return !BLOCKING_SUSPEND_REASONS.has(detail ?? '')
  return true
}

const DESCRIBE: Record<string, string> = {
  working: 'Devin is working',
  finished: 'Devin finished',
  waiting_for_user: 'Devin is waiting for your reply',
  waiting_for_approval: 'Devin is waiting for an approval',
  inactivity: 'suspended after inactivity',
  user_request: 'suspended on request',
  usage_limit_exceeded: 'suspended: usage limit reached',
  out_of_credits: 'suspended: out of credits',
  out_of_quota: 'suspended: out of quota',
  no_quota_allocation: 'suspended: no quota allocated',
  payment_declined: 'suspended: payment declined',
  org_usage_limit_exceeded: 'suspended: organization usage limit reached',
  total_session_limit_exceeded: 'suspended: session limit reached',
  user_usage_limit_exceeded: 'suspended: user usage limit reached',
  contract_expired: 'suspended: contract expired'
}

export function describeStatus(status: string, detail: string | null | undefined): string {
  const d = detail ?? ''
  if (status === 'suspended') return DESCRIBE[d] ?? (d ? `suspended (${d})` : 'suspended')
  if (status === 'running') return DESCRIBE[d] ?? (d ? `running (${d})` : 'running')
  if (status === 'exit') return 'session ended'
  if (status === 'error') return 'session failed'
  if (status === 'new' || status === 'creating' || status === 'claimed') return 'starting'
  if (status === 'resuming') return 'resuming'
  return d ? `${status} (${d})` : status
}
