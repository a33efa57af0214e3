/**
 * What the emulators are held to: every request they receive and every answer they give is
 * checked against the service's published description (GitHub's OpenAPI document, the Devin
 * field lists in shared/reference/devin-api.md). A mismatch is recorded as a violation and
 * fails the test when the emulator closes, so an emulator that drifts from the real service,
 * or an action that sends what the service does not take, cannot pass quietly.
 */

import { Ajv } from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import formatsModule from 'ajv-formats'
import type { FormatsPlugin } from 'ajv-formats'
import type { RecordedRequest, Reply } from './http.ts'

export interface Violation {
  /** 'GitHub' or 'Devin'. */
  service: string
  side: 'request' | 'answer'
  method: string
  path: string
  /** The operation checked against (an operationId, a doc section); unset when none matched. */
  operation?: string
  status?: number
  problems: string[]
}

/** What a service's checker finds wrong with one request or one answer. */
export interface Finding {
  operation?: string
  problems: string[]
}

export interface Conformance {
  service: string
  request(req: RecordedRequest): Finding
  /** Only the emulator's own answers are checked: a fault a test injected is deliberate. */
  answer(req: RecordedRequest, reply: Reply): Finding
}

export function describeViolation(v: Violation): string {
  const op = v.operation ? ` (${v.operation})` : ''
  const status = v.status === undefined ? '' : ` → ${v.status}`
  const head = `${v.service} ${v.side} ${v.method} ${v.path}${status}${op}`
  return v.problems.map((p) => `${head}: ${p}`).join('\n')
}

interface Expectation {
  pattern: RegExp
  hits: number
}

/**
 * An emulator's record of what its checker found: every violation, which ones a test has not
 * taken or excused yet, and which documented operations were checked at all.
 */
export class ConformanceLog {
  readonly checker: Conformance
  /** Every violation seen, taken or not. */
  readonly violations: Violation[] = []
  /** The documented operations requests and answers were checked against, by name. */
  readonly checked = new Set<string>()
  private pending: Violation[] = []
  private readonly expectations: Expectation[] = []

  constructor(checker: Conformance) {
    this.checker = checker
  }

  /** Checks a request, or the answer to it; a checker that throws is reported like a finding. */
  check(req: RecordedRequest, reply?: Reply): void {
    let f: Finding
    try {
      f = reply === undefined ? this.checker.request(req) : this.checker.answer(req, reply)
    } catch (err) {
      f = { problems: [`conformance check failed: ${err instanceof Error ? err.message : err}`] }
    }
    if (f.operation !== undefined) this.checked.add(f.operation)
    this.record(reply === undefined ? 'request' : 'answer', req, f, reply?.status)
  }

  record(side: Violation['side'], req: RecordedRequest, f: Finding, status?: number): void {
    if (f.problems.length === 0) return
    const { service } = this.checker
    const v: Violation = { service, side, method: req.method, path: req.path, problems: f.problems }
    if (f.operation !== undefined) v.operation = f.operation
    if (status !== undefined) v.status = status
    this.violations.push(v)
    this.pending.push(v)
  }

  take(): Violation[] {
    const taken = this.pending
    this.pending = []
    return taken
  }

  expect(pattern: RegExp): void {
    this.expectations.push({ pattern, hits: 0 })
  }

  /** Violations nobody took or excused, and excuses that matched nothing; then forgets both. */
  problems(): string[] {
    const problems: string[] = []
    for (const line of this.take().flatMap((v) => describeViolation(v).split('\n'))) {
      const e = this.expectations.find((x) => x.pattern.test(line))
      if (e) e.hits += 1
      else problems.push(line)
    }
    for (const e of this.expectations.splice(0)) {
      if (e.hits === 0)
        problems.push(`expected a violation matching ${String(e.pattern)}; none seen`)
    }
    return problems
  }
}

export class ConformanceError extends Error {
  constructor(service: string, problems: string[]) {
    super(
      `${service} emulator: ${problems.length} conformance problem(s) ` +
        `(what the real service documents was not kept; see test/emulators/conformance.ts)\n` +
        problems.join('\n')
    )
    this.name = 'ConformanceError'
  }
}

// The package is CommonJS whose `module.exports` is the plugin: Node's ESM loader hands that
// over as the default, TypeScript's NodeNext typing sees a namespace with `default`.
const addFormats: FormatsPlugin =
  (formatsModule as unknown as { default?: FormatsPlugin }).default ??
  (formatsModule as unknown as FormatsPlugin)

/**
 * An Ajv for OpenAPI 3.0 schemas turned into draft-07 by {@link toJsonSchema}: every error
 * reported, the usual formats checked, any other format (`int32`, `repo.nwo`…) accepted as
 * documentation rather than a compile error.
 */
export function newAjv(opts: { coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // Errors carry the offending value, so a report says what was sent, not only what was wanted.
    verbose: true,
    strict: false,
    logger: false,
    coerceTypes: opts.coerceTypes ? 'array' : false,
    validateFormats: true,
    // Each component compiled once and called, not pasted into every schema that uses it:
    // a pull request holds two repositories and a dozen users; compiling it took three times longer.
    inlineRefs: false
  })
  addFormats(ajv)
  return ajv
}

/** Registers every format a schema names that the Ajv does not know, as "anything goes". */
export function allowUnknownFormats(ajv: Ajv, schema: unknown): void {
  const seen = new Set<string>()
  const walk = (s: unknown): void => {
    if (Array.isArray(s)) return s.forEach(walk)
    if (typeof s !== 'object' || s === null) return
    for (const [k, v] of Object.entries(s)) {
      if (k === 'format' && typeof v === 'string') seen.add(v)
      else walk(v)
    }
  }
  walk(schema)
  for (const f of seen) if (ajv.formats[f] === undefined) ajv.addFormat(f, true)
}

/** A value as a report shows it: JSON, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** Ajv's errors as one line each: where, what; capped so one broken object stays readable. */
function problemsOf(where: string, errors: ErrorObject[] | null | undefined): string[] {
  const lines = new Set<string>()
  for (const e of errors ?? []) {
    const at = `${where}${e.instancePath}`
    const p = e.params as Record<string, unknown>
    if (e.keyword === 'additionalProperties') {
      lines.add(`${at} has undocumented field '${String(p.additionalProperty)}'`)
    } else if (e.keyword === 'enum') {
      lines.add(`${at} is ${shown(e.data)}, not one of ${JSON.stringify(p.allowedValues)}`)
    } else if (e.keyword === 'type') {
      lines.add(`${at} must be ${String(p.type).split(',').join(' or ')}, not ${shown(e.data)}`)
    } else if (e.keyword === 'format' || e.keyword === 'pattern') {
      lines.add(`${at} ${e.message ?? e.keyword}, not ${shown(e.data)}`)
    } else lines.add(`${at} ${e.message ?? e.keyword}`)
  }
  const all = [...lines]
  return all.length > 25 ? [...all.slice(0, 25), `… and ${all.length - 25} more`] : all
}

export function check(validate: ValidateFunction, data: unknown, where: string): string[] {
  return validate(data) ? [] : problemsOf(where, validate.errors)
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Keywords whose value is a schema, a list of schemas, or a map of schemas. */
const ONE = new Set(['items', 'not', 'additionalProperties', 'additionalItems', 'contains'])
const MANY = new Set(['anyOf', 'oneOf', 'allOf'])
const MAP = new Set(['properties', 'patternProperties', 'definitions'])
/** OpenAPI annotations that are not JSON Schema; Ajv would warn about them or misread them. */
const DROP = new Set(['example', 'examples', 'discriminator', 'externalDocs', 'xml'])

interface JsonSchemaOptions {
  /**
   * Turns `#/components/schemas/x` into the id Ajv knows that component by; `inAllOf` when the
   * reference is a branch of an `allOf`, which must then stay open.
   */
  ref: (ref: string, inAllOf: boolean) => string
  /**
   * Closes objects that list their properties but leave the rest open (the description's
   * default): a field nobody documented is then a violation, not a silent extra.
   */
  closeObjects: boolean
}

/**
 * An OpenAPI 3.0 schema as draft-07 JSON Schema. `nullable: true` becomes a null alternative
 * (Ajv's own `nullable` support refuses it next to no `type`, and a nullable `enum` must list
 * null); objects are closed unless they are a branch of an `allOf`, where each branch holds only
 * part of the fields.
 */
export function toJsonSchema(schema: unknown, o: JsonSchemaOptions, inAllOf = false): unknown {
  if (!isObject(schema)) return schema
  const out: Json = {}
  for (const [k, v] of Object.entries(schema)) {
    if (DROP.has(k) || k.startsWith('x-')) continue
    if (k === '$ref' && typeof v === 'string') out.$ref = o.ref(v, inAllOf)
    else if (ONE.has(k) && isObject(v)) out[k] = toJsonSchema(v, o)
    else if (MANY.has(k) && Array.isArray(v))
      out[k] = v.map((x) => toJsonSchema(x, o, k === 'allOf'))
    else if (MAP.has(k) && isObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([n, x]) => [n, toJsonSchema(x, o)]))
    } else out[k] = v
  }
  if (o.closeObjects && !inAllOf && isObject(out.properties) && !('additionalProperties' in out)) {
    out.additionalProperties = false
  }
  if (out.nullable !== true) return out
  delete out.nullable
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
  if (typeof out.type === 'string' && out.$ref === undefined) {
    out.type = [out.type, 'null']
    return out
  }
  return { anyOf: [out, { type: 'null' }] }
}

/** The path of a route template as a RegExp: `{name}` or `:name` is one segment. */
export function templateRegex(template: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = []
  const source = template
    .split('/')
    .map((part) => {
      const m = /^\{(.+)\}$/.exec(part) ?? /^:(.+)$/.exec(part)
      if (m === null) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      keys.push(m[1] ?? '')
      return '([^/]+)'
    })
    .join('/')
  return { regex: new RegExp(`^${source}$`), keys }
}

/** How specific a template is: literal segments count, so `/pulls/comments` beats `/pulls/{n}`. */
export const literalSegments = (template: string): number =>
  template.split('/').filter((p) => p !== '' && !/^[{:]/.test(p)).length

/** Whether the client asked for something other than JSON (a diff, a patch, raw text). */
export function wantsNonJson(req: RecordedRequest): boolean {
  const accept = String(req.headers.accept ?? '')
  return /\.(diff|patch|raw|html|text)\b|text\/plain|application\/octet-stream/.test(accept)
}

/** The reply's body as the client would parse it; undefined for none. */
export function replyBody(reply: Reply): { json?: unknown; text?: string } {
  if (reply.json !== undefined) return { json: reply.json }
  if (reply.body === undefined || reply.body.length === 0) return {}
  return { text: String(reply.body) }
}
