/**
 * The rules of the GitHub emulator's Checks API (./github-checks.ts): who may write a check run,
 * what a body may hold, how a write changes a run, which runs a listing shows. Where GitHub's
 * rules go beyond its description they follow what api.github.com answers:
 *
 * - only a GitHub App writes check runs: a person's token gets 403 "You must authenticate via a
 *   GitHub App.", an App token without `checks: write` 403 "Resource not accessible by
 *   integration", and an App other than the run's creator 403 "Invalid app_id …";
 * - the body is validated twice, as GitHub does: its JSON schema first ("Invalid request." and
 *   what failed), then the model ("No commit found for SHA", and a summary of at most 65,535
 *   BYTES: a summary within the schema's 65,535 characters can still be refused);
 * - a `conclusion` completes the run; a completed run may be written again, reopened included.
 */

import { ghError } from './github-json.ts'
import type { Reply } from './http.ts'

/** What a token's App was granted on checks (`permissions: checks:` in a workflow). */
export type ChecksPermission = 'write' | 'read' | 'none'

export const CONCLUSIONS = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'timed_out'
] as const
export type Conclusion = (typeof CONCLUSIONS)[number]
const STATUSES = ['queued', 'in_progress', 'completed'] as const
export type CheckStatus = (typeof STATUSES)[number]
/** Statuses only GitHub Actions' own runs take (the internal ones, not a workflow's token). */
const ACTIONS_ONLY = ['waiting', 'requested', 'pending']

/** GitHub's limit on `output.summary` and `output.text`: characters to the schema, bytes to the model. */
export const SUMMARY_LIMIT = 65_535

/** One accepted write, as the client sent it. */
export interface CheckRunWrite {
  method: 'POST' | 'PATCH'
  at: string
  body: Record<string, unknown>
}

export interface StoredCheckRun {
  id: number
  name: string
  headSha: string
  /** Slug of the App that created it: the only one that may write it. */
  app: string
  status: CheckStatus
  conclusion: Conclusion | null
  detailsUrl: string | null
  externalId: string | null
  startedAt: string | null
  completedAt: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  /** Every accepted create and update, oldest first. */
  history: CheckRunWrite[]
}

/** Who asks: the App a token acts for (none for a person's token) and what it may do on checks. */
export interface CheckActor {
  app?: string
  checks: ChecksPermission
}

/** 403 unless the actor may read (`write` false) or write check runs. */
export function checksAccess(actor: CheckActor, write: boolean): Reply | undefined {
  if (write && actor.app === undefined)
    return ghError(403, 'You must authenticate via a GitHub App.')
  if (actor.app === undefined) return undefined
  const allowed = write ? actor.checks === 'write' : actor.checks !== 'none'
  return allowed ? undefined : ghError(403, 'Resource not accessible by integration')
}

/** 403 unless the actor's App created the run; `appId` is the id GitHub names the actor's App by. */
export function checkOwner(
  run: StoredCheckRun,
  actor: CheckActor,
  appId: number
): Reply | undefined {
  if (actor.app?.toLowerCase() === run.app.toLowerCase()) return undefined
  return ghError(
    403,
    `Invalid app_id \`${appId}\` - check run can only be modified by the GitHub App that created it.`
  )
}

const invalid = (detail: string): Reply => ghError(422, `Invalid request.\n\n${detail}`)
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const list = (values: readonly string[]): string => `[${values.map((v) => `"${v}"`).join(', ')}]`

function missing(names: string[]): Reply | undefined {
  if (names.length === 0) return undefined
  const quoted = names.map((n) => `"${n}"`).join(', ')
  return invalid(`${quoted} ${names.length === 1 ? "wasn't" : "weren't"} supplied.`)
}

const STRINGS = ['name', 'head_sha', 'details_url', 'external_id', 'started_at', 'completed_at']

/** What GitHub's JSON schema for the body refuses, in its words; undefined when it passes. */
function schemaError(body: Record<string, unknown>, create: boolean): Reply | undefined {
  const absent = create ? ['name', 'head_sha'].filter((k) => body[k] === undefined) : []
  const gone = missing(absent)
  if (gone) return gone
  for (const k of STRINGS) {
    if (body[k] !== undefined && typeof body[k] !== 'string')
      return invalid(`For 'properties/${k}', ${JSON.stringify(body[k])} is not a string.`)
  }
  const status = body.status
  const statuses: readonly string[] = create ? STATUSES : [...STATUSES, ...ACTIONS_ONLY]
  if (status !== undefined && !statuses.includes(status as string))
    return invalid(
      `For 'properties/status', ${JSON.stringify(status)} is not a member of ${list(statuses)}.`
    )
  const conclusion = body.conclusion
  const conclusions = [...CONCLUSIONS, 'stale']
  if (conclusion !== undefined && !conclusions.includes(conclusion as string)) {
    const members = list(conclusions)
    return invalid(
      `For 'properties/conclusion', ${JSON.stringify(conclusion)} is not a member of ${members}.`
    )
  }
  if ((status === 'completed' || body.completed_at !== undefined) && conclusion === undefined)
    return missing(['conclusion'])
  if (body.output !== undefined) return outputError(body.output)
  return undefined
}

function outputError(output: unknown): Reply | undefined {
  if (!isObject(output))
    return invalid(`For 'properties/output', ${JSON.stringify(output)} is not an object.`)
  const gone = missing(['title', 'summary'].filter((k) => output[k] === undefined))
  if (gone) return gone
  for (const k of ['title', 'summary', 'text']) {
    const v = output[k]
    if (v === undefined) continue
    if (typeof v !== 'string')
      return invalid(`For 'properties/${k}', ${JSON.stringify(v)} is not a string.`)
    // Characters, as the schema counts them (code points, not UTF-16 units).
    const chars = [...v].length
    if (chars > SUMMARY_LIMIT)
      return invalid(`Only ${SUMMARY_LIMIT} characters are allowed; ${chars} were supplied.`)
  }
  return undefined
}

/** What GitHub's model refuses once the schema passed: unknown commits, summaries too big. */
function modelError(body: Record<string, unknown>): Reply | undefined {
  const sha = body.head_sha
  if (typeof sha === 'string' && !/^[0-9a-f]{40}$/i.test(sha))
    return ghError(422, `No commit found for SHA: ${sha}`)
  if (body.conclusion === 'stale')
    return invalid('The conclusion cannot be set to stale; only GitHub sets it.')
  // The description lists them for updates, but they are GitHub Actions' own, not an API caller's.
  if (ACTIONS_ONLY.includes(body.status as string))
    return invalid('Only GitHub Actions can set a status of waiting, requested, or pending.')
  const output = isObject(body.output) ? body.output : {}
  for (const field of ['summary', 'text']) {
    const v = output[field]
    if (typeof v === 'string' && Buffer.byteLength(v) > SUMMARY_LIMIT) {
      return ghError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'CheckRun',
            code: 'custom',
            field,
            message: `${field} exceeds a maximum bytesize of ${SUMMARY_LIMIT}`
          }
        ]
      })
    }
  }
  return undefined
}

/** Why GitHub would refuse this create (`create`) or update body; undefined when it takes it. */
export function checkRunBodyError(body: unknown, create: boolean): Reply | undefined {
  if (!isObject(body)) return invalid('Body should be a JSON object')
  return schemaError(body, create) ?? modelError(body)
}

/** Applies an accepted body's fields to a run: a conclusion completes it, a status reopens it. */
function apply(run: StoredCheckRun, body: Record<string, unknown>, at: string): void {
  const str = (k: string): string | undefined => body[k] as string | undefined
  run.name = str('name') ?? run.name
  run.detailsUrl = str('details_url') ?? run.detailsUrl
  run.externalId = str('external_id') ?? run.externalId
  run.startedAt = str('started_at') ?? run.startedAt
  const conclusion = body.conclusion as Conclusion | undefined
  if (conclusion !== undefined) {
    run.status = 'completed'
    run.conclusion = conclusion
    run.completedAt = str('completed_at') ?? at
  } else if (body.status !== undefined) {
    run.status = body.status as CheckStatus
    run.conclusion = null
    run.completedAt = null
  }
  if (isObject(body.output)) {
    const o = body.output as { title: string; summary: string; text?: string }
    run.output = { title: o.title, summary: o.summary, text: o.text ?? run.output.text }
  }
}

/** A new run from an accepted create body, written by `app`. */
export function createCheckRun(
  id: number,
  app: string,
  body: Record<string, unknown>,
  at: string
): StoredCheckRun {
  const run: StoredCheckRun = {
    id,
    name: body.name as string,
    headSha: (body.head_sha as string).toLowerCase(),
    app,
    status: 'queued',
    conclusion: null,
    detailsUrl: null,
    externalId: null,
    startedAt: at,
    completedAt: null,
    output: { title: null, summary: null, text: null },
    history: []
  }
  updateCheckRun(run, body, at, 'POST')
  return run
}

export function updateCheckRun(
  run: StoredCheckRun,
  body: Record<string, unknown>,
  at: string,
  method: CheckRunWrite['method'] = 'PATCH'
): void {
  apply(run, body, at)
  run.history.push({ method, at, body: structuredClone(body) })
}

/** The runs `GET …/commits/{ref}/check-runs` lists, newest first, by its query. */
export function listCheckRuns(
  runs: readonly StoredCheckRun[],
  sha: string,
  search: URLSearchParams,
  appId: (slug: string) => number
): StoredCheckRun[] {
  const name = search.get('check_name')
  const status = search.get('status')
  const app = search.get('app_id')
  const found = runs
    .filter((r) => r.headSha === sha.toLowerCase())
    .filter((r) => name === null || r.name === name)
    .filter((r) => status === null || r.status === status)
    .filter((r) => app === null || appId(r.app) === Number(app))
    .sort((a, b) => b.id - a.id)
  if (search.get('filter') === 'all') return found
  // `latest` (the default): each App's most recent run of each name.
  const seen = new Set<string>()
  return found.filter((r) => {
    const key = `${r.app.toLowerCase()}\n${r.name}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
