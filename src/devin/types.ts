/**
 * Shapes of the Devin v3 API as this action uses them, and pure functions that turn untrusted JSON
 * into those shapes. Devin's published docs disagree between spec generations (`pull_requests`
 * as URLs or objects, `session_id` or `devin_id`), so parsing is lenient: unknown fields are kept in `raw`, unknown enum values pass through as
 * strings, and only a missing session id makes a session unusable.
 */

export type JsonObject = Record<string, unknown>

/**
 * Body of `POST /v3/organizations/{org}/sessions`, as far as this action sends it (the API takes
 * more; only `prompt` is required). Only fields the user set are sent.
 */
export interface SessionCreateRequest {
  prompt: string
  title?: string
  tags?: string[]
  playbook_id?: string
  knowledge_ids?: string[]
  secret_ids?: string[]
  max_acu_limit?: number
  repos?: string[]
  structured_output_schema?: JsonObject
  /** `normal`, `fast`, and preview modes; kept open because the enum grows. */
  devin_mode?: string
  /** `url`s of {@link UploadedAttachment}s (§1.9): 1 to 2,083 characters each. */
  attachment_urls?: string[]
}

/** A file to upload (§1.9): its name as Devin shows it, and its text. */
export interface AttachmentFile {
  name: string
  content: string
}

/** `AttachmentResponse` of the upload (§1.9): all three fields are required. */
export interface UploadedAttachment {
  attachment_id: string
  name: string
  /** What `attachment_urls` takes. */
  url: string
}

export interface DevinPullRequest {
  pr_url: string
  pr_state: string | null
}

/** Normalized `SessionResponse`. Field names follow the API except `sessionId` and `raw`. */
export interface DevinSession {
  /** Always in `devin-…` form, whatever the server returned. */
  sessionId: string
  /** Web UI link as returned by the API; null if the server left it out. */
  url: string | null
  /** A documented status (`new`, `running`, `exit`, …) or a newer one; `unknown` if left out. */
  status: string
  status_detail: string | null
  tags: string[]
  org_id: string | null
  acus_consumed: number | null
  pull_requests: DevinPullRequest[]
  structured_output: unknown
  title: string | null
  created_at: number | null
  updated_at: number | null
  is_archived: boolean
  /** The object exactly as received. */
  raw: JsonObject
}

export interface DevinMessage {
  event_id: string
  message: string
  /** `devin`, `user`, or newer values. */
  source: string
  created_at: number | null
  raw: JsonObject
}

export interface DevinAttachment {
  attachment_id: string
  name: string
  source: string | null
  url: string
  content_type: string | null
  raw: JsonObject
}

/** `GET /v3/self`; a union on `principal_type` upstream, flattened here. */
export interface DevinSelf {
  principal_type: string
  /** Null for enterprise-scoped keys. */
  org_id: string | null
  service_user_id: string | null
  service_user_name: string | null
  user_id: string | null
  raw: JsonObject
}

/** A cursor page (`items`, `end_cursor`, `has_next_page`, `total`), camel-cased. */
export interface Page<T> {
  items: T[]
  endCursor: string | null
  hasNextPage: boolean
  total: number | null
}

export function normalizeSessionId(id: string): string {
  const trimmed = id.trim()
  return trimmed.startsWith('devin-') ? trimmed : `devin-${trimmed}`
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function parsePullRequests(value: unknown): DevinPullRequest[] {
  if (!Array.isArray(value)) return []
  const out: DevinPullRequest[] = []
  for (const item of value) {
    if (typeof item === 'string') {
      out.push({ pr_url: item, pr_state: null })
      continue
    }
    if (!isObject(item)) continue
    // `pr_url` per the v3 spec; older payloads used `url`.
    const url = str(item.pr_url) ?? str(item.url)
    if (url) out.push({ pr_url: url, pr_state: str(item.pr_state) ?? str(item.state) })
  }
  return out
}

/**
 * A Devin Review (`…/pr-reviews`, devin-api.md "Additions"): it carries no findings, which Devin's
 * GitHub App posts on the PR. `status` is kept as sent: a newer value than the four documented
 * (`pending`, `running`, `completed`, `errored`) must not break a run.
 */
export interface PrReview {
  /** The PR head commit reviewed. */
  commit_sha: string
  /** ISO date-time at which Devin accepted the review. */
  created_at: string
  pr_number: number
  /** Host-prefixed repository path, e.g. `github.com/owner/repo`. */
  repo_path: string
  status: string
  raw: unknown
}

/** Returns undefined when the value cannot be a session (not an object, or no usable id). */
export function parseSession(value: unknown): DevinSession | undefined {
  if (!isObject(value)) return undefined
  const id = str(value.session_id) ?? str(value.devin_id) ?? str(value.id)
  if (!id || id.trim() === '' || id.trim() === 'devin-') return undefined
  return {
    sessionId: normalizeSessionId(id),
    url: str(value.url),
    status: str(value.status) ?? 'unknown',
    status_detail: str(value.status_detail),
    tags: strings(value.tags),
    org_id: str(value.org_id),
    acus_consumed: num(value.acus_consumed),
    pull_requests: parsePullRequests(value.pull_requests),
    structured_output: value.structured_output ?? null,
    title: str(value.title),
    created_at: num(value.created_at),
    updated_at: num(value.updated_at),
    is_archived: value.is_archived === true,
    raw: value
  }
}

const COMMIT_SHA = /^[0-9a-f]{7,64}$/i

/**
 * Returns undefined unless every field the action relies on is there and typed: the commit is
 * what a later GET asks for, and `created_at` with it tells one review from another.
 */
export function parsePrReview(value: unknown): PrReview | undefined {
  if (!isObject(value)) return undefined
  const sha = str(value.commit_sha)
  const status = str(value.status)
  const createdAt = str(value.created_at)
  const repoPath = str(value.repo_path)
  const prNumber = num(value.pr_number)
  // A commit id, full or short, as the docs give it: the value is logged, shown, sent back as a
  // query and named as the check run's id, so nothing else from the answer may take its place.
  if (!sha || !COMMIT_SHA.test(sha) || status === null || createdAt === null) return undefined
  if (repoPath === null || prNumber === null) return undefined
  return {
    commit_sha: sha,
    created_at: createdAt,
    pr_number: prNumber,
    repo_path: repoPath,
    status,
    raw: value
  }
}

export function parseMessage(value: unknown): DevinMessage | undefined {
  if (!isObject(value)) return undefined
  return {
    event_id: str(value.event_id) ?? '',
    message: str(value.message) ?? '',
    source: str(value.source) ?? 'unknown',
    created_at: num(value.created_at),
    raw: value
  }
}

export function parseAttachment(value: unknown): DevinAttachment | undefined {
  if (!isObject(value)) return undefined
  const url = str(value.url)
  if (!url) return undefined
  return {
    attachment_id: str(value.attachment_id) ?? str(value.id) ?? '',
    name: str(value.name) ?? str(value.filename) ?? '',
    source: str(value.source),
    url,
    content_type: str(value.content_type),
    raw: value
  }
}

/**
 * Returns undefined unless all three fields are non-empty strings: the `url` is the only thing
 * the upload is for, and one that `attachment_urls` cannot take (over 2,083 characters) would
 * fail the create that carries it, after the prompt was built.
 */
export function parseUploadedAttachment(value: unknown): UploadedAttachment | undefined {
  if (!isObject(value)) return undefined
  const id = str(value.attachment_id)
  const name = str(value.name)
  const url = str(value.url)
  if (!id || name === null || !url || url.length > MAX_ATTACHMENT_URL) return undefined
  return { attachment_id: id, name, url }
}

/** The longest URL `attachment_urls` takes (§1.4). */
const MAX_ATTACHMENT_URL = 2083

export function parseSelf(value: unknown): DevinSelf | undefined {
  if (!isObject(value)) return undefined
  const org = str(value.org_id)
  return {
    principal_type: str(value.principal_type) ?? 'unknown',
    org_id: org && org.trim() !== '' ? org : null,
    service_user_id: str(value.service_user_id),
    service_user_name: str(value.service_user_name),
    user_id: str(value.user_id),
    raw: value
  }
}

/** The list of items of a list response: `{items: […]}` or, tolerated, a bare array. */
export function listItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value
  if (isObject(value) && Array.isArray(value.items)) return value.items
  return undefined
}

/**
 * Parses a cursor page. Items that do not parse are dropped (reported via `dropped`) rather than
 * failing the whole page. Returns undefined if the value is not a list response at all.
 */
export function parsePage<T>(
  value: unknown,
  parseItem: (v: unknown) => T | undefined
): (Page<T> & { dropped: number }) | undefined {
  const rawItems = listItems(value)
  if (!rawItems) return undefined
  const items: T[] = []
  for (const raw of rawItems) {
    const item = parseItem(raw)
    if (item !== undefined) items.push(item)
  }
  const meta = isObject(value) ? value : {}
  const cursor = str(meta.end_cursor)
  const endCursor = cursor && cursor !== '' ? cursor : null
  // has_next_page is documented; when a server omits it, a cursor on a non-empty page means more.
  const hasNextPage =
    typeof meta.has_next_page === 'boolean'
      ? meta.has_next_page && endCursor !== null
      : endCursor !== null && rawItems.length > 0
  return {
    items,
    endCursor,
    hasNextPage,
    total: num(meta.total),
    dropped: rawItems.length - items.length
  }
}
