/**
 * What the Devin emulator is held to: hand-written JSON Schemas of the v3 endpoints it serves,
 * from the field lists in shared/reference/devin-api.md (section cited on each). Only what that
 * page is sure of is enforced: where it marks a field list or shape UNCONFIRMED (list filters
 * newer than v3beta1, the attachments wrapper, the message `source` enum, the download path)
 * the schema accepts every documented variant or stays open.
 *
 * Requests: documented path ids (`org-…`, `devin-…`), query parameters with their types and no
 * undocumented one, bodies with their types and no undocumented field. Answers: the documented
 * status for a success, required fields present and typed, no undocumented field; errors in the
 * RFC 9457 problem shape, or FastAPI's validation shape for a 422 (§1.14).
 */

import type { Ajv, ValidateFunction } from 'ajv'
import { check, literalSegments, newAjv, replyBody, templateRegex } from './conformance.ts'
import type { Conformance, Finding } from './conformance.ts'
import type { RecordedRequest, Reply } from './http.ts'
import { readForm } from './multipart.ts'

type Json = Record<string, unknown>

const str = { type: 'string' }
const strOrNull = { type: ['string', 'null'] }
const strList = { type: 'array', items: str }
const strListOrNull = { type: ['array', 'null'], items: str }
const closed = (properties: Json, required: string[] = []): Json => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false
})

/** §1.6: the `/v3/` snapshot and SDK enum, plus `creating` from a later page. */
const STATUS = ['new', 'creating', 'claimed', 'running', 'exit', 'error', 'suspended', 'resuming']
/** §1.6: the 14 documented details (running: what it does; suspended: why). */
const STATUS_DETAIL = [
  'working',
  'waiting_for_user',
  'waiting_for_approval',
  'finished',
  'inactivity',
  'user_request',
  'usage_limit_exceeded',
  'out_of_credits',
  'out_of_quota',
  'no_quota_allocation',
  'payment_declined',
  'org_usage_limit_exceeded',
  'total_session_limit_exceeded',
  'error'
]
/** §1.5 `origin`. */
const ORIGIN = [
  'webapp',
  'slack',
  'teams',
  'api',
  'linear',
  'jira',
  'automation',
  'cli',
  'desktop',
  'other'
]
/** §1.5 `category`. */
const CATEGORY = [
  'bug_fixing',
  'ci_cd_and_devops',
  'code_quality_and_security',
  'code_review_and_analysis',
  'data_and_automation',
  'documentation_and_content',
  'feature_development',
  'migrations_and_upgrades',
  'other',
  'refactoring_and_optimization',
  'research_and_exploration',
  'unit_test_generation'
]

/** §1.5 `SessionResponse` (the `/v3/` snapshot; `is_advanced` was v3beta1 only). */
const SESSION = closed(
  {
    session_id: str,
    url: str,
    status: { enum: STATUS },
    status_detail: { enum: [...STATUS_DETAIL, null] },
    tags: strList,
    org_id: str,
    created_at: { type: 'integer' },
    updated_at: { type: 'integer' },
    acus_consumed: { type: 'number' },
    pull_requests: {
      type: 'array',
      items: closed({ pr_url: str, pr_state: strOrNull }, ['pr_url', 'pr_state'])
    },
    title: strOrNull,
    user_id: strOrNull,
    service_user_id: strOrNull,
    playbook_id: strOrNull,
    parent_session_id: strOrNull,
    child_session_ids: strListOrNull,
    is_archived: { type: 'boolean' },
    structured_output: { type: ['object', 'null'] },
    origin: { enum: [...ORIGIN, null] },
    category: { enum: [...CATEGORY, null] },
    subcategory: strOrNull
  },
  [
    'session_id',
    'url',
    'status',
    'tags',
    'org_id',
    'created_at',
    'updated_at',
    'acus_consumed',
    'pull_requests'
  ]
)

/** §1.13: cursor pages; `total` "may be omitted", `has_next_page` defaults to false. */
const page = (item: Json): Json =>
  closed(
    {
      items: { type: 'array', items: item },
      end_cursor: strOrNull,
      has_next_page: { type: 'boolean' },
      total: { type: ['integer', 'null'] }
    },
    ['items']
  )

/** §1.8 `SessionMessage`: all four required; the `source` enum is unconfirmed. */
const MESSAGE = closed(
  { created_at: { type: 'number' }, event_id: str, message: str, source: str },
  ['created_at', 'event_id', 'message', 'source']
)

/** §1.9 one attachment of a session. */
const ATTACHMENT = closed(
  {
    attachment_id: str,
    name: str,
    source: { enum: ['devin', 'user'] },
    url: str,
    content_type: strOrNull
  },
  ['attachment_id', 'name', 'source', 'url', 'content_type']
)

/** §1.9 `AttachmentResponse` of the upload: all three required. */
const UPLOADED = closed(
  {
    attachment_id: { type: 'string', minLength: 1 },
    name: str,
    url: { type: 'string', format: 'uri' }
  },
  ['attachment_id', 'name', 'url']
)

/**
 * §1.9 the upload's form, as {@link formFields} shows it: one field, `file`, and a file (it has
 * a filename), not a plain value.
 */
const UPLOAD_FORM = closed(
  {
    file: closed({ filename: str, content_type: str, bytes: { type: 'integer' } }, [
      'filename',
      'bytes'
    ])
  },
  ['file']
)

/** §1.11 `{tags}`, at most 50. */
const TAGS = closed({ tags: { type: 'array', items: str, maxItems: 50 } }, ['tags'])

/** §1.14 RFC 9457 `ProblemDetail`. */
const PROBLEM = closed(
  {
    type: str,
    title: str,
    status: { type: 'integer' },
    detail: {},
    instance: str,
    errors: { type: 'array' }
  },
  ['title', 'status']
)

/** §1.14 FastAPI's `HTTPValidationError` (422 in the `/v3/` snapshot). */
const VALIDATION = closed(
  {
    detail: {
      type: 'array',
      items: closed(
        {
          loc: { type: 'array', items: { type: ['string', 'integer'] } },
          msg: str,
          type: str
        },
        ['loc', 'msg', 'type']
      )
    }
  },
  ['detail']
)

/** §1.4 and §1.8 `attachment_urls`: null or a list of URLs of 1 to 2,083 characters. */
const ATTACHMENT_URLS = {
  type: ['array', 'null'],
  items: { type: 'string', format: 'uri', minLength: 1, maxLength: 2083 }
}

/**
 * §1.4 `SessionCreateRequest`: the fields of the `/v3/` snapshot and the newest SDK type (columns
 * B and C); `advanced_mode` was v3beta1 only. The 50-tag cap is documented for the tag
 * endpoints only, so it is not enforced here.
 */
const CREATE = closed(
  {
    prompt: str,
    title: strOrNull,
    tags: strListOrNull,
    playbook_id: strOrNull,
    child_playbook_id: strOrNull,
    knowledge_ids: strListOrNull,
    secret_ids: strListOrNull,
    session_secrets: {
      type: ['array', 'null'],
      items: closed(
        {
          key: { type: 'string', minLength: 1, maxLength: 256 },
          value: { type: 'string', maxLength: 65536 },
          sensitive: { type: 'boolean' }
        },
        ['key', 'value']
      )
    },
    max_acu_limit: { type: ['number', 'null'] },
    repos: strListOrNull,
    attachment_urls: ATTACHMENT_URLS,
    structured_output_schema: { type: ['object', 'null'] },
    structured_output_required: { type: ['boolean', 'null'] },
    create_as_user_id: strOrNull,
    session_links: strListOrNull,
    bypass_approval: { type: ['boolean', 'null'] },
    devin_mode: { enum: ['normal', 'fast', 'lite', 'ultra', 'fusion', null] },
    platform: strOrNull,
    resumable: { type: 'boolean' },
    devin_id: strOrNull
  },
  ['prompt']
)

/** §1.8 `SessionMessageCreateRequest` ([S14b]: the same `attachment_urls` as the create's). */
const SEND_MESSAGE = closed(
  { message: str, attachment_urls: ATTACHMENT_URLS, message_as_user_id: strOrNull },
  ['message']
)

/** A query parameter that may repeat, named with or without the `[]` some renderings show. */
const listParam = (name: string, items: Json = str): Json => ({
  [name]: { type: 'array', items },
  [`${name}[]`]: { type: 'array', items }
})

/** §1.13: `first` (1–200) and an opaque `after`. */
const CURSOR = { first: { type: 'integer', minimum: 1, maximum: 200 }, after: str }

/**
 * §1.7 list filters. The v3beta1 rendering's list is sure; `user_ids`, `service_user_ids`,
 * `repo_names` and `is_archived` are only in third-party notes and accepted as well.
 */
const LIST_QUERY = closed({
  ...CURSOR,
  ...listParam('session_ids'),
  ...listParam('tags'),
  ...listParam('origins'),
  ...listParam('user_ids'),
  ...listParam('service_user_ids'),
  ...listParam('repo_names'),
  created_after: { type: 'integer' },
  created_before: { type: 'integer' },
  updated_after: { type: 'integer' },
  updated_before: { type: 'integer' },
  playbook_id: str,
  schedule_id: str,
  is_archived: { type: 'boolean' }
})

/** "Additions": `PrReviewResponse`, all five required. */
const PR_REVIEW = closed(
  {
    commit_sha: { type: 'string', minLength: 1 },
    created_at: { type: 'string', format: 'date-time' },
    pr_number: { type: 'integer' },
    repo_path: str,
    status: { enum: ['pending', 'running', 'completed', 'errored'] }
  },
  ['commit_sha', 'created_at', 'pr_number', 'repo_path', 'status']
)

/** "Additions": a full or short commit id; git abbreviates to no fewer than 4 hex digits. */
const REVIEW_QUERY = closed(
  { pr_url: str, commit_sha: { type: 'string', pattern: '^[0-9a-fA-F]{4,40}$' } },
  ['pr_url']
)

const ORG_PATH = closed({ org_id: { type: 'string', pattern: '^org-' } }, ['org_id'])
/** §1.3: "the session ID prefixed with `devin-`". */
const SESSION_PATH = closed(
  {
    org_id: { type: 'string', pattern: '^org-' },
    devin_id: { type: 'string', pattern: '^devin-.' }
  },
  ['org_id', 'devin_id']
)

interface Endpoint {
  method: string
  template: string
  /** The section of devin-api.md the schemas come from. */
  section: string
  path?: Json
  query?: Json
  /** The body and whether it must be sent; unset when the endpoint takes none. */
  body?: { schema: Json; required: boolean }
  /** A multipart/form-data body instead, its fields checked as {@link formFields} shows them. */
  form?: Json
  /** Success status and its body schema ('any' when the docs do not say). */
  ok: { status: number; body: Json | 'any' }
}

const ORG = '/v3/organizations/{org_id}'
const ONE = `${ORG}/sessions/{devin_id}`

export const ENDPOINTS: Endpoint[] = [
  {
    method: 'GET',
    template: '/v3/self',
    section: '§1.2 GET /v3/self (ServiceUserSelf)',
    ok: {
      status: 200,
      body: closed(
        {
          principal_type: { enum: ['service_user'] },
          service_user_id: str,
          service_user_name: str,
          org_id: strOrNull
        },
        ['principal_type', 'service_user_id', 'service_user_name']
      )
    }
  },
  {
    method: 'POST',
    template: `${ORG}/sessions`,
    section: '§1.4 create session',
    path: ORG_PATH,
    body: { schema: CREATE, required: true },
    ok: { status: 200, body: SESSION }
  },
  {
    method: 'GET',
    template: `${ORG}/sessions`,
    section: '§1.7 list sessions',
    path: ORG_PATH,
    query: LIST_QUERY,
    ok: { status: 200, body: page(SESSION) }
  },
  {
    method: 'GET',
    template: ONE,
    section: '§1.5 get session',
    path: SESSION_PATH,
    ok: { status: 200, body: SESSION }
  },
  {
    method: 'DELETE',
    template: ONE,
    section: '§1.10 terminate session',
    path: SESSION_PATH,
    query: closed({ archive: { type: 'boolean' } }),
    ok: { status: 200, body: SESSION }
  },
  {
    method: 'POST',
    template: `${ONE}/archive`,
    section: '§1.10 archive session',
    path: SESSION_PATH,
    // No request body is documented; an empty JSON object is what clients send for "none".
    body: { schema: closed({}), required: false },
    ok: { status: 200, body: SESSION }
  },
  {
    method: 'POST',
    template: `${ONE}/messages`,
    section: '§1.8 send message',
    path: SESSION_PATH,
    body: { schema: SEND_MESSAGE, required: true },
    ok: { status: 200, body: SESSION }
  },
  {
    method: 'GET',
    template: `${ONE}/messages`,
    section: '§1.8 list messages',
    path: SESSION_PATH,
    query: closed(CURSOR),
    ok: { status: 200, body: page(MESSAGE) }
  },
  ...['GET', 'PUT', 'POST'].map((method): Endpoint => ({
    method,
    template: `${ONE}/tags`,
    section: `§1.11 ${method} tags`,
    path: SESSION_PATH,
    ...(method === 'GET' ? {} : { body: { schema: TAGS, required: true } }),
    ok: { status: 200, body: TAGS }
  })),
  {
    method: 'GET',
    template: `${ONE}/attachments`,
    section: '§1.9 list attachments',
    path: SESSION_PATH,
    // A bare array [S15] or an `items` wrapper [S9a]: the shape is unconfirmed.
    ok: {
      status: 200,
      body: {
        anyOf: [
          { type: 'array', items: ATTACHMENT },
          closed({ items: { type: 'array', items: ATTACHMENT } }, ['items'])
        ]
      }
    }
  },
  {
    method: 'POST',
    template: `${ORG}/attachments`,
    section: '§1.9 upload attachment (AttachmentResponse)',
    path: ORG_PATH,
    form: UPLOAD_FORM,
    ok: { status: 200, body: UPLOADED }
  },
  {
    method: 'POST',
    template: `${ORG}/pr-reviews`,
    section: 'Additions: POST pr-reviews (PrReviewResponse)',
    path: ORG_PATH,
    body: { schema: closed({ pr_url: str }, ['pr_url']), required: true },
    ok: { status: 200, body: PR_REVIEW }
  },
  {
    method: 'GET',
    template: `${ORG}/pr-reviews`,
    section: 'Additions: GET pr-reviews',
    path: ORG_PATH,
    query: REVIEW_QUERY,
    ok: { status: 200, body: PR_REVIEW }
  },
  {
    method: 'GET',
    template: '/attachments/{uuid}/{name}',
    section: '§1.9 download (path unconfirmed)',
    ok: { status: 307, body: 'any' }
  }
]

/** The emulator's stand-in for the presigned storage URL a download redirects to. */
const NOT_DEVIN = [/^\/files\/[^/]+$/]

interface Compiled {
  e: Endpoint
  regex: RegExp
  keys: string[]
  path?: ValidateFunction
  query?: ValidateFunction
  body?: ValidateFunction
  form?: ValidateFunction
  ok?: ValidateFunction
}

interface Route {
  e: Endpoint
  regex: RegExp
  keys: string[]
  compiled?: Compiled
}

/** Per process: the endpoints by specificity, each compiled on its first request. */
interface State {
  ajv: Ajv
  params: Ajv
  routes: Route[]
  problem?: ValidateFunction
  validation?: ValidateFunction
}

let state: State | undefined

function load(): State {
  if (state) return state
  const routes = ENDPOINTS.map((e) => ({ e, ...templateRegex(e.template) }))
  routes.sort((a, b) => literalSegments(b.e.template) - literalSegments(a.e.template))
  state = { ajv: newAjv(), params: newAjv({ coerceTypes: true }), routes }
  return state
}

function compiled(s: State, r: Route): Compiled {
  const compile = (a: Ajv, schema: Json | 'any' | undefined) =>
    typeof schema === 'object' ? a.compile(schema) : undefined
  r.compiled ??= {
    e: r.e,
    regex: r.regex,
    keys: r.keys,
    path: compile(s.params, r.e.path),
    query: compile(s.params, r.e.query ?? closed({})),
    body: compile(s.ajv, r.e.body?.schema),
    form: compile(s.ajv, r.e.form),
    ok: compile(s.ajv, r.e.ok.body)
  }
  return r.compiled
}

function match(method: string, path: string): Compiled | Finding | undefined {
  if (NOT_DEVIN.some((r) => r.test(path))) return undefined
  const s = load()
  const onPath = s.routes.filter((r) => r.regex.test(path))
  const found = onPath.find((r) => r.e.method === method)
  if (found) return compiled(s, found)
  if (onPath.length > 0) {
    const allowed = [...new Set(onPath.map((r) => r.e.method))].join(', ')
    return { problems: [`devin-api.md documents ${allowed} for this path, not ${method}`] }
  }
  return { problems: [`no endpoint in devin-api.md matches ${method} ${path}`] }
}

function params(c: Compiled, path: string): Record<string, string> {
  const m = c.regex.exec(path)
  return Object.fromEntries(c.keys.map((k, i) => [k, decodeURIComponent(m?.[i + 1] ?? '')]))
}

function checkRequest(req: RecordedRequest): Finding {
  const c = match(req.method, req.path)
  if (c === undefined) return { problems: [] }
  if (!('e' in c)) return c
  const problems: string[] = []
  if (c.path) problems.push(...check(c.path, params(c, req.path), 'path'))
  if (c.query) problems.push(...check(c.query, { ...req.query }, 'query'))
  const hasBody = req.body.length > 0
  if (c.form !== undefined) {
    problems.push(...checkForm(c.form, req))
  } else if (c.body === undefined) {
    if (hasBody) problems.push('body sent to an endpoint that takes none')
  } else if (!hasBody) {
    if (c.e.body?.required) problems.push('body is required and was not sent')
  } else if (req.json === undefined) {
    problems.push('body is not JSON')
  } else {
    problems.push(...check(c.body, req.json, 'body'))
  }
  return { operation: c.e.section, problems }
}

/**
 * A form's fields as an object to check: a file as `{filename, content_type, bytes}`, a plain
 * value as its text; a field sent twice, or a body that is no form, as a problem.
 */
function formFields(req: RecordedRequest): Json | string {
  const parts = readForm(req.headers['content-type'], Buffer.from(req.body, 'utf8'))
  if (typeof parts === 'string') return `body is not multipart/form-data: ${parts}`
  const out: Json = {}
  for (const p of parts) {
    if (p.name in out) return `form field '${p.name}' is sent more than once`
    out[p.name] =
      p.filename === undefined
        ? p.data.toString('utf8')
        : {
            filename: p.filename,
            ...(p.contentType === undefined ? {} : { content_type: p.contentType }),
            bytes: p.data.length
          }
  }
  return out
}

function checkForm(validate: ValidateFunction, req: RecordedRequest): string[] {
  const fields = formFields(req)
  return typeof fields === 'string' ? [fields] : check(validate, fields, 'form')
}

function checkAnswer(req: RecordedRequest, reply: Reply): Finding {
  const c = match(req.method, req.path)
  if (c === undefined || !('e' in c)) return { problems: [] } // reported with the request
  const operation = c.e.section
  const { json } = replyBody(reply)
  if (reply.status < 400) {
    if (reply.status !== c.e.ok.status) {
      return {
        operation,
        problems: [`status ${reply.status} is not documented (${c.e.ok.status})`]
      }
    }
    if (c.ok === undefined) return { operation, problems: [] }
    if (json === undefined) return { operation, problems: ['documented JSON body is missing'] }
    return { operation, problems: check(c.ok, json, 'body') }
  }
  const s = load()
  if (json === undefined) return { operation, problems: ['error without a JSON body'] }
  s.problem ??= s.ajv.compile(PROBLEM)
  s.validation ??= s.ajv.compile(VALIDATION)
  const asProblem = check(s.problem, json, 'body')
  if (reply.status !== 422 || asProblem.length === 0) return { operation, problems: asProblem }
  const asValidation = check(s.validation, json, 'body')
  return { operation, problems: asValidation.length === 0 ? [] : [...asValidation, ...asProblem] }
}

export const devinConformance: Conformance = {
  service: 'Devin',
  request: checkRequest,
  answer: checkAnswer
}
