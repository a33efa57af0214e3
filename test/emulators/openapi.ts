/**
 * Checks requests to the GitHub emulator and its answers against GitHub's own OpenAPI
 * description of api.github.com (the `@octokit/openapi` package), at run time:
 *
 * - a request must name a documented operation (method + path template) that the emulator
 *   serves; its path and query parameters must have the documented types and enums (and no
 *   undocumented query parameter); its JSON body must match the request schema with no
 *   undocumented field;
 * - an answer must use a status the operation documents for successes, and its JSON body must
 *   match the documented schema for that status (undocumented error statuses are held to
 *   GitHub's `basic-error` shape, a 422 to it or `validation-error`'s), again with no
 *   undocumented field.
 *
 * Cost. The description is 13 MB of JSON (the dereferenced variant in the same package is 73 MB
 * and takes over a second to parse). Only the operations the emulator serves are extracted, with
 * the component schemas they reach, into a small subset that is cached on disk (keyed by the
 * package version, the file's size and time, the served routes and this file's own source), so
 * most processes never parse the full description. Each operation is compiled by Ajv on its
 * first request and kept for the rest of the process.
 */

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Ajv, ValidateFunction } from 'ajv'
import {
  allowUnknownFormats,
  check,
  literalSegments,
  newAjv,
  replyBody,
  templateRegex,
  toJsonSchema,
  wantsNonJson
} from './conformance.ts'
import type { Conformance, Finding } from './conformance.ts'
import type { RecordedRequest, Reply } from './http.ts'

type Json = Record<string, unknown>

interface Parameter {
  name: string
  in: string
  required?: boolean
  schema?: Json
}

/** One served operation, its parameters, body and responses with their `$ref`s resolved. */
interface Operation {
  operationId: string
  parameters: Parameter[]
  requestBody?: { required: boolean; schema?: Json }
  /** By status key (`200`, `4XX`, `default`): the JSON schema, or null for no JSON body. */
  responses: Record<string, Json | null>
}

/** What is kept of the description: enough to check the served operations. */
interface Subset {
  /** Every documented path template with its methods, to name what is not served. */
  templates: Array<[string, string[]]>
  /** Served operations by `METHOD template`. */
  operations: Record<string, Operation>
  /** The component schemas those operations reach, by name. */
  schemas: Record<string, Json>
}

interface Template {
  template: string
  regex: RegExp
  methods: string[]
}

interface Compiled {
  op: Operation
  template: Template
  keys: string[]
  path: ValidateFunction
  query: ValidateFunction
  body?: ValidateFunction
  answers: Map<string, ValidateFunction | null>
}

interface Loaded {
  subset: Subset
  templates: Template[]
  ajv: Ajv
  params: Ajv
  components: Set<string>
  compiled: Map<string, Compiled>
  basicError?: ValidateFunction
  validationError?: ValidateFunction
}

interface LoadStats {
  /** Milliseconds spent getting the subset (from the cache or from the description). */
  ms: number
  /** Whether the subset came from the disk cache. */
  cached: boolean
}

const require = createRequire(import.meta.url)
const SPEC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json')
const BASE = 'https://openapi.github.test/'
const SCHEMA_PREFIX = '#/components/schemas/'
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const CACHE_DIR = join(tmpdir(), 'devin-handoff-emulators')

/** Per process and per set of served routes. */
const loadedBy = new Map<string, Loaded>()
let lastStats: LoadStats | undefined

/** How the last subset was obtained in this process, for the cost measurement. */
export function descriptionLoadStats(): LoadStats | undefined {
  return lastStats
}

/** A route's shape with its parameter names erased: `/repos/{}/{}/pulls/{}`. */
const shapeOf = (template: string): string =>
  template
    .split('/')
    .map((part) => (/^\{.+\}$|^:.+$/.test(part) ? '{}' : part))
    .join('/')

function resolve<T>(doc: Json, value: unknown): T {
  let v = value
  for (let hops = 0; hops < 10; hops++) {
    const ref = (v as { $ref?: unknown } | undefined)?.$ref
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return v as T
    let target: unknown = doc
    for (const part of ref.slice(2).split('/')) target = (target as Json | undefined)?.[part]
    if (target === undefined) throw new Error(`GitHub's description has no ${ref}`)
    v = target
  }
  throw new Error('reference chain too long in GitHub description')
}

function jsonSchemaOf(content: unknown): Json | null {
  if (typeof content !== 'object' || content === null) return null
  for (const [type, media] of Object.entries(content as Record<string, { schema?: Json }>)) {
    if (/json/.test(type)) return media.schema ?? {}
  }
  return null
}

/** Every component schema `roots` reach, transitively. */
function schemaClosure(doc: Json, roots: unknown[]): Record<string, Json> {
  const all = (doc.components as { schemas: Record<string, Json> }).schemas
  const out: Record<string, Json> = {}
  const pending = [...roots]
  while (pending.length > 0) {
    const s = pending.pop()
    if (Array.isArray(s)) pending.push(...(s as unknown[]))
    if (typeof s !== 'object' || s === null || Array.isArray(s)) continue
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_PREFIX)) {
        const name = v.slice(SCHEMA_PREFIX.length)
        if (out[name] !== undefined) continue
        const schema = all[name]
        if (schema === undefined) throw new Error(`GitHub's description has no ${v}`)
        out[name] = schema
        pending.push(schema)
      } else if (k !== 'enum' && k !== 'example' && k !== 'examples' && k !== 'default') {
        pending.push(v)
      }
    }
  }
  return out
}

function extractOperation(doc: Json, template: string, method: string): Operation {
  const item = (doc.paths as Record<string, Json>)[template] ?? {}
  const op = item[method.toLowerCase()] as Json
  const raw = [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])]
  const parameters = raw.map((p) => {
    const param = resolve<Parameter>(doc, p)
    return { ...param, schema: resolve<Json>(doc, param.schema ?? {}) }
  })
  const out: Operation = {
    operationId: String(op.operationId ?? `${method} ${template}`),
    parameters,
    responses: {}
  }
  if (op.requestBody !== undefined) {
    const rb = resolve<{ required?: boolean; content?: unknown }>(doc, op.requestBody)
    const schema = jsonSchemaOf(rb.content)
    out.requestBody = { required: rb.required === true, ...(schema ? { schema } : {}) }
  }
  for (const [status, r] of Object.entries((op.responses as Json | undefined) ?? {})) {
    out.responses[status] = jsonSchemaOf(resolve<{ content?: unknown }>(doc, r).content)
  }
  return out
}

/** The subset for `served` (METHOD + route shape) from the full description. */
function extract(doc: Json, served: string[]): Subset {
  const paths = doc.paths as Record<string, Json>
  const templates: Subset['templates'] = Object.entries(paths).map(([t, item]) => [
    t,
    HTTP_METHODS.filter((m) => item[m] !== undefined).map((m) => m.toUpperCase())
  ])
  const wanted = new Set(served)
  const operations: Record<string, Operation> = {}
  for (const [t, methods] of templates) {
    for (const m of methods) {
      if (wanted.has(`${m} ${shapeOf(t)}`)) operations[`${m} ${t}`] = extractOperation(doc, t, m)
    }
  }
  const errors = ['basic-error', 'validation-error'].map((name) => ({
    $ref: `${SCHEMA_PREFIX}${name}`
  }))
  const schemas = schemaClosure(doc, [...Object.values(operations), ...errors])
  return { templates, operations, schemas }
}

function cacheKey(served: string[]): string {
  const pkg = require('@octokit/openapi/package.json') as { version: string }
  const spec = statSync(SPEC_PATH)
  const self = readFileSync(fileURLToPath(import.meta.url))
  return createHash('sha256')
    .update(JSON.stringify([pkg.version, spec.size, spec.mtimeMs, served]))
    .update(self)
    .digest('hex')
    .slice(0, 24)
}

/** The subset, from the disk cache when a process already made it, else from the description. */
function subsetFor(served: string[]): Subset {
  const started = performance.now()
  const file = join(CACHE_DIR, `github-openapi-${cacheKey(served)}.json`)
  try {
    const subset = JSON.parse(readFileSync(file, 'utf8')) as Subset
    lastStats = { ms: performance.now() - started, cached: true }
    return subset
  } catch {
    // Not cached yet (or unreadable): make it.
  }
  const subset = extract(JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Json, served)
  try {
    mkdirSync(CACHE_DIR, { recursive: true })
    // Written aside and renamed: parallel test processes never read half a file.
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(subset))
    renameSync(tmp, file)
  } catch {
    // A read-only temp dir only costs the next process the same parse.
  }
  lastStats = { ms: performance.now() - started, cached: false }
  return subset
}

function load(served: string[]): Loaded {
  const key = served.join('\n')
  const existing = loadedBy.get(key)
  if (existing) return existing
  const subset = subsetFor(served)
  const templates = subset.templates.map(([template, methods]) => ({
    template,
    regex: templateRegex(template).regex,
    methods
  }))
  // Most specific first: a literal segment beats a parameter in the same place.
  templates.sort((a, b) => literalSegments(b.template) - literalSegments(a.template))
  const l: Loaded = {
    subset,
    templates,
    ajv: newAjv(),
    params: newAjv({ coerceTypes: true }),
    components: new Set(),
    compiled: new Map()
  }
  loadedBy.set(key, l)
  return l
}

/**
 * The id Ajv knows a component by. A component that is one branch of an `allOf` holds only part
 * of an object's fields, so it gets an open variant.
 */
const refId = (ref: string, inAllOf: boolean): string =>
  ref.startsWith(SCHEMA_PREFIX)
    ? `${BASE}${inAllOf ? 'open' : 'schemas'}/${ref.slice(SCHEMA_PREFIX.length)}`
    : ref

const jsonSchema = (schema: unknown, inAllOf = false): Json =>
  toJsonSchema(schema, { ref: refId, closeObjects: true }, inAllOf) as Json

/** Adds every component a converted schema reaches (and they reach) to the shared Ajv, once. */
function addComponents(l: Loaded, schema: Json): void {
  const pending: unknown[] = [schema]
  while (pending.length > 0) {
    const s = pending.pop()
    if (Array.isArray(s)) pending.push(...(s as unknown[]))
    if (typeof s !== 'object' || s === null || Array.isArray(s)) continue
    for (const [k, v] of Object.entries(s)) {
      if (k !== '$ref' || typeof v !== 'string') {
        if (k !== 'enum' && k !== 'default') pending.push(v)
        continue
      }
      const m = /^https:\/\/openapi\.github\.test\/(schemas|open)\/(.+)$/.exec(v)
      if (m === null || l.components.has(v)) continue
      l.components.add(v)
      const raw = l.subset.schemas[m[2] ?? '']
      if (raw === undefined) throw new Error(`GitHub's description has no schema ${m[2]}`)
      const js = jsonSchema(raw, m[1] === 'open')
      allowUnknownFormats(l.ajv, js)
      l.ajv.addSchema({ ...js, $id: v })
      pending.push(js)
    }
  }
}

function compileSchema(l: Loaded, schema: unknown): ValidateFunction {
  const js = jsonSchema(schema)
  addComponents(l, js)
  allowUnknownFormats(l.ajv, js)
  return l.ajv.compile(js)
}

/** Path or query parameters as one object schema; Ajv coerces the strings a URL holds. */
function paramsSchema(l: Loaded, params: Parameter[], where: 'path' | 'query'): ValidateFunction {
  const own = params.filter((p) => p.in === where)
  const properties = Object.fromEntries(own.map((p) => [p.name, jsonSchema(p.schema ?? {})]))
  const required = own.filter((p) => p.required || where === 'path').map((p) => p.name)
  const schema = { type: 'object', properties, required, additionalProperties: false }
  allowUnknownFormats(l.params, schema)
  return l.params.compile(schema)
}

function compileOperation(l: Loaded, t: Template, method: string): Compiled | undefined {
  const key = `${method} ${t.template}`
  const cached = l.compiled.get(key)
  if (cached) return cached
  const op = l.subset.operations[key]
  if (op === undefined) return undefined
  const c: Compiled = {
    op,
    template: t,
    keys: templateRegex(t.template).keys,
    path: paramsSchema(l, op.parameters, 'path'),
    query: paramsSchema(l, op.parameters, 'query'),
    answers: new Map()
  }
  if (op.requestBody?.schema) c.body = compileSchema(l, op.requestBody.schema)
  l.compiled.set(key, c)
  return c
}

/** The operation a request names: the most specific template that matches, then the method. */
function match(l: Loaded, method: string, path: string): Compiled | Finding {
  let pathKnown: Template | undefined
  for (const t of l.templates) {
    if (!t.regex.test(path)) continue
    pathKnown ??= t
    if (!t.methods.includes(method)) continue
    const c = compileOperation(l, t, method)
    if (c) return c
    return {
      operation: `${method} ${t.template}`,
      problems: ['GitHub documents this operation, but the emulator does not serve it']
    }
  }
  if (pathKnown) {
    const allowed = pathKnown.methods.join(', ')
    return { problems: [`${pathKnown.template} documents ${allowed}, not ${method}`] }
  }
  return { problems: [`no operation in GitHub's description matches ${method} ${path}`] }
}

function pathParams(c: Compiled, path: string): Record<string, string> {
  const m = c.template.regex.exec(path)
  const out: Record<string, string> = {}
  c.keys.forEach((k, i) => {
    const raw = m?.[i + 1] ?? ''
    try {
      out[k] = decodeURIComponent(raw)
    } catch {
      out[k] = raw
    }
  })
  return out
}

function checkRequest(l: Loaded, req: RecordedRequest): Finding {
  const c = match(l, req.method, req.path)
  if (!('op' in c)) return c
  const problems = [
    ...check(c.path, pathParams(c, req.path), 'path'),
    ...check(c.query, { ...req.query }, 'query')
  ]
  const rb = c.op.requestBody
  const hasBody = req.body.length > 0
  if (rb === undefined) {
    if (hasBody) problems.push('body sent to an operation that takes none')
  } else if (!hasBody) {
    if (rb.required) problems.push('body is required and was not sent')
  } else if (req.json === undefined) {
    problems.push('body is not JSON')
  } else if (c.body) {
    problems.push(...check(c.body, req.json, 'body'))
  }
  return { operation: c.op.operationId, problems }
}

function answerValidator(l: Loaded, c: Compiled, key: string): ValidateFunction | null {
  if (!c.answers.has(key)) {
    const schema = c.op.responses[key]
    c.answers.set(key, schema ? compileSchema(l, schema) : null)
  }
  return c.answers.get(key) ?? null
}

function checkAnswer(l: Loaded, req: RecordedRequest, reply: Reply): Finding {
  const c = match(l, req.method, req.path)
  if (!('op' in c)) return { problems: [] } // the request was reported already
  const operation = c.op.operationId
  const responses = c.op.responses
  const status = String(reply.status)
  const key = [status, `${status[0]}XX`, 'default'].find((k) => k in responses)
  const body = replyBody(reply)
  if (key === undefined) {
    if (reply.status < 400) {
      const documented = Object.keys(responses).join(', ')
      return { operation, problems: [`status ${status} is not documented (${documented})`] }
    }
    // GitHub documents few of the errors every operation can give (401, 403, 404…).
    l.basicError ??= compileSchema(l, { $ref: `${SCHEMA_PREFIX}basic-error` })
    if (body.json === undefined) return { operation, problems: ['error without a JSON body'] }
    const problems = check(l.basicError, body.json, 'body')
    if (problems.length === 0 || reply.status !== 422) return { operation, problems }
    // An undocumented 422 may also list what failed, as GitHub's documented 422s do
    // (a check run's summary over 65,535 bytes: `errors: [{ field: 'summary', … }]`).
    l.validationError ??= compileSchema(l, { $ref: `${SCHEMA_PREFIX}validation-error` })
    if (check(l.validationError, body.json, 'body').length === 0) return { operation, problems: [] }
    return { operation, problems }
  }
  const validate = answerValidator(l, c, key)
  if (validate === null) {
    const problems = body.json !== undefined || body.text ? ['documented without a body'] : []
    return { operation, problems }
  }
  if (body.json === undefined) {
    // A diff or patch asked for by media type: the description types only the JSON.
    if (body.text !== undefined && wantsNonJson(req)) return { operation, problems: [] }
    return { operation, problems: ['documented JSON body is missing'] }
  }
  return { operation, problems: check(validate, body.json, 'body') }
}

/**
 * The checker for an emulator serving `routes` (method and `:param` pattern each). Only the
 * operations those routes name are extracted and compiled; a request to any other documented
 * operation is reported as one the emulator does not serve.
 */
export function githubConformance(routes: Array<{ method: string; pattern: string }>): Conformance {
  const served = [...new Set(routes.map((r) => `${r.method.toUpperCase()} ${shapeOf(r.pattern)}`))]
  served.sort()
  return {
    service: 'GitHub',
    request: (req) => checkRequest(load(served), req),
    answer: (req, reply) => checkAnswer(load(served), req, reply)
  }
}
