/**
 * Reads and validates every input of the contract in one place, before any API call, so a bad
 * value fails the step with a message that names the input and what was expected.
 */
import { readFile, realpath } from 'node:fs/promises'

import { PERMISSIONS, type Permission } from '../github/types.js'
import type { RunnerLog } from '../egress/log.js'
import { InputError } from './input-error.js'
import { realDestination, requireRealInside, resolveInWorkspace } from './workspace-paths.js'
import type { DevinKeyKind } from '../credentials/read.js'
import { apiBaseUrl, checkDevinKey, checkInputNames, checkOrgId } from './setup.js'

export { PERMISSIONS, type Permission } from '../github/types.js'
export { InputError } from './input-error.js'
export const FAIL_ON = ['error', 'suspended', 'timeout', 'needs-input'] as const
export type FailOn = (typeof FAIL_ON)[number]
export type SecretScan = 'redact' | 'fail' | 'off'
export type CommentMode = 'auto' | 'true' | 'false'
export const MODES = ['handoff', 'review', 'sync'] as const
export type Mode = (typeof MODES)[number]
export type StatusCheck = 'auto' | 'true' | 'false'

export interface Inputs {
  /**
   * `handoff` (the pipeline), `review` (ask Devin Review to review the PR: src/review/), or
   * `sync`: refresh the repository's status surfaces.
   */
  mode: Mode
  /** A check run on the head commit: `auto` only while the step follows the session. */
  statusCheck: StatusCheck
  orgId: string
  apiUrl: string
  /** The task text, from `prompt` or the file named by `prompt-file`. */
  task: string
  includeDiff: boolean
  baseRef: string
  includeUncommitted: boolean
  maxDiffBytes: number
  excludePaths: string[]
  secretScan: SecretScan
  title: string
  tags: string[]
  playbookId: string
  knowledgeIds?: string[]
  secretIds?: string[]
  maxAcuLimit?: number
  structuredOutputSchema?: Record<string, unknown>
  devinMode: string
  repos: string[]
  wait: boolean
  timeoutMinutes: number
  pollIntervalSeconds: number
  comment: CommentMode
  commentKey: string
  reuseSession: boolean
  failOn: FailOn[]
  dryRun: boolean
  prNumber?: number
  triggerPhrase: string
  stopOnCancel: boolean
  attachmentsPath: string
  allowForks: boolean
  allowedBots: string[]
  requirePermission: Permission
  /** `workflow_run`: attach the failed jobs' log tails. */
  ciLogs: boolean
  /** The budget of all attached CI logs together. */
  maxLogBytes: number
  /** Most sessions the action creates for one PR (all keys and runs); 0: no limit. */
  maxSessionsPerPr: number
  /** Most ACUs one PR's sessions may have used before nothing more is sent; 0: no limit. */
  maxAcusPerPr: number
  /** With `reuse-session`: a follow-up sends only the commits since the last handoff. */
  incremental: boolean
}

/**
 * The runner exposes inputs as INPUT_<NAME> with spaces replaced and hyphens kept. `given` is
 * every <NAME> it set, to tell a misspelled input from an absent one.
 */
export interface InputReader {
  (name: string): string
  given?: readonly string[]
}

export function envInputReader(env: NodeJS.ProcessEnv = process.env): InputReader {
  const read = (name: string): string =>
    (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
  const given = Object.keys(env).flatMap((k) => (k.startsWith('INPUT_') ? [k.slice(6)] : []))
  return Object.assign(read, { given })
}

const TRUE = ['true', 'True', 'TRUE']
const FALSE = ['false', 'False', 'FALSE']

export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback
  if (TRUE.includes(raw)) return true
  if (FALSE.includes(raw)) return false
  throw new InputError(name, `expected 'true' or 'false', got '${raw}'`)
}

/** `why`: what the upper bound is, for the error. */
export interface NumberBounds {
  min: number
  max: number
  integer?: boolean
  why?: string
}

/**
 * Every number input and its bounds. An absurd value is refused rather than obeyed: the two that
 * become timers would overflow Node's (2^31-1 ms, about 24.8 days) and flood the log with
 * TimeoutOverflowWarning, and the others only stand for "no limit", which leaving them empty
 * says.
 */
export const NUMBER_INPUTS = {
  'max-diff-bytes': { min: 1, max: 10_000_000, integer: true, why: '10 MB' },
  'max-acu-limit': { min: 1, max: 10_000, integer: true },
  'timeout-minutes': {
    min: 0.01,
    max: 7200,
    why: '5 days, the longest a job runs on a self-hosted runner'
  },
  'poll-interval': { min: 1, max: 3600, why: 'an hour' },
  'pr-number': { min: 1, max: 2_147_483_647, integer: true },
  // Budgets: 0 is "no limit", their default.
  'max-sessions-per-pr': { min: 0, max: 10_000, integer: true },
  'max-acus-per-pr': { min: 0, max: 1_000_000 },
  'max-log-bytes': { min: 1, max: 10_000_000, integer: true, why: '10 MB' }
} as const satisfies Record<string, NumberBounds>
export type NumberInput = keyof typeof NUMBER_INPUTS

/** A number within `bounds`; the error names the input and the bound it broke. */
export function parseBoundedNumber(name: string, raw: string, bounds: NumberBounds): number {
  const kind = bounds.integer ? 'a whole number' : 'a number'
  if (!/^\s*[0-9]*\.?[0-9]+\s*$/.test(raw))
    throw new InputError(name, `expected ${kind}, got '${raw}'`)
  const value = Number(raw)
  if (bounds.integer && Number.isFinite(value) && !Number.isInteger(value)) {
    throw new InputError(name, `expected a whole number, got '${raw}'`)
  }
  if (value < bounds.min) {
    throw new InputError(name, `expected ${kind} of at least ${bounds.min}, got '${raw}'`)
  }
  if (value > bounds.max) {
    const why = bounds.why ? ` (${bounds.why})` : ''
    throw new InputError(name, `expected ${kind} of at most ${bounds.max}${why}, got '${raw}'`)
  }
  return value
}

function readNumber(get: InputReader, name: NumberInput): number | undefined {
  const raw = get(name)
  return raw === '' ? undefined : parseBoundedNumber(name, raw, NUMBER_INPUTS[name])
}

export function parseEnum<T extends string>(
  name: string,
  raw: string,
  allowed: readonly T[],
  fallback: T
): T {
  if (raw === '') return fallback
  const value = raw.toLowerCase() as T
  if (!allowed.includes(value)) {
    throw new InputError(
      name,
      `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${raw}'`
    )
  }
  return value
}

/** Newline or comma separated; blanks dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

export function parseFailOn(raw: string): FailOn[] {
  const items = parseList(raw === '' ? 'error' : raw).map((s) => s.toLowerCase())
  if (items.length === 1 && items[0] === 'never') return []
  for (const item of items) {
    if (item === 'never') {
      throw new InputError('fail-on', `'never' cannot be combined with other values, got '${raw}'`)
    }
    if (!(FAIL_ON as readonly string[]).includes(item)) {
      throw new InputError(
        'fail-on',
        `expected a comma list of ${FAIL_ON.map((f) => `'${f}'`).join(', ')}, or 'never'; got '${item}'`
      )
    }
  }
  return [...new Set(items as FailOn[])]
}

/** `api-url`, checked, without trailing slashes or `/v3`; the post step reads it the same way. */
export function readApiUrl(get: InputReader, info?: (message: string) => void): string {
  return apiBaseUrl(get('api-url'), info)
}

/** JSON or YAML; YAML is loaded only when the text is not JSON, to keep start-up lean. */
export async function parseSchema(raw: string): Promise<Record<string, unknown> | undefined> {
  if (raw === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    const { parse } = await import('yaml')
    try {
      value = parse(raw)
    } catch (err) {
      throw new InputError(
        'structured-output-schema',
        `expected a JSON Schema as JSON or YAML; it does not parse: ${(err as Error).message.split('\n')[0]}`
      )
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(
      'structured-output-schema',
      'expected a JSON Schema object (JSON or YAML mapping)'
    )
  }
  if (Buffer.byteLength(JSON.stringify(value)) > 64 * 1024) {
    throw new InputError(
      'structured-output-schema',
      'the schema is larger than the 64 KB Devin accepts'
    )
  }
  return value as Record<string, unknown>
}

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'error'

async function readTask(
  get: InputReader,
  workspace: string,
  mode: Mode,
  log?: ReadOptions['log']
): Promise<string> {
  const prompt = get('prompt')
  const file = get('prompt-file')
  // A review or a sync takes no task (the review API takes only the PR's URL): a task given to
  // one is a leftover of a copied workflow, not an error.
  if (mode !== 'handoff') {
    if (prompt || file)
      log?.notice(`mode '${mode}' takes no task; 'prompt' and 'prompt-file' are ignored.`)
    return ''
  }
  if (prompt && file) {
    throw new InputError('prompt', "give exactly one of 'prompt' and 'prompt-file', not both")
  }
  if (!prompt && !file) {
    throw new InputError('prompt', "give exactly one of 'prompt' and 'prompt-file'; both are empty")
  }
  if (prompt) return prompt
  const abs = resolveInWorkspace('prompt-file', workspace, file)
  const real = await realpath(abs).catch((err: unknown) => {
    throw new InputError('prompt-file', `cannot read '${file}' (${errorCode(err)})`)
  })
  await requireRealInside('prompt-file', workspace, file, real)
  // The resolved path, so that what was checked is what is read.
  const text = await readFile(real, 'utf8').catch((err: unknown) => {
    throw new InputError('prompt-file', `cannot read '${file}' (${errorCode(err)})`)
  })
  if (text.trim() === '') throw new InputError('prompt-file', `'${file}' is empty`)
  return text
}

function optionalList(raw: string): string[] | undefined {
  return raw === '' ? undefined : parseList(raw)
}

/**
 * Fails when `api-key` is empty. Not part of reading the inputs: fork PRs and Dependabot runs get
 * no secrets, and they must end as skips, so the trust checks (./trust.ts) decide first and call
 * this before any API call. `hint` says why the key may be missing.
 */
export function requireApiKey(hasKey: boolean, hint = ''): void {
  if (hasKey) return
  throw new InputError(
    'api-key',
    `is required; pass the Devin key from a secret, e.g. \${{ secrets.DEVIN_API_KEY }}${hint}`
  )
}

/** The attachments folder may not exist yet: where creating it would land must be inside. */
async function checkAttachmentsPath(workspace: string, rel: string): Promise<void> {
  const abs = resolveInWorkspace('attachments-path', workspace, rel)
  const real = await realDestination(abs).catch((err: unknown) => {
    throw new InputError('attachments-path', `cannot resolve '${rel}' (${errorCode(err)})`)
  })
  await requireRealInside('attachments-path', workspace, rel, real)
}

/** What reading the inputs may be told besides them. */
export interface ReadOptions {
  /** Hears what was corrected or ignored on the way (a trailing `/v3` of `api-url`, a task in sync). */
  log?: Pick<RunnerLog, 'info' | 'notice'>
  /** The shape of `api-key`, which `readCredentials` (src/credentials/read.ts) read apart. */
  devinKey?: DevinKeyKind
}

/**
 * Every input but the credentials, which `readCredentials` (src/credentials/read.ts) reads apart
 * and masks; an empty `api-key` fails later, in `requireApiKey`, a legacy one here. Misspelled
 * input names are reported first: they explain the other surprises.
 */
export async function readInputs(
  get: InputReader,
  workspace: string,
  o: ReadOptions = {}
): Promise<Inputs> {
  checkInputNames(get.given)
  checkDevinKey(o.devinKey)
  const orgId = get('org-id')
  checkOrgId(orgId)
  const allowedBots = parseList(get('allowed-bots'))
  const mode = parseEnum('mode', get('mode'), MODES, 'handoff')
  // A review's comment and check run stand apart from a handoff's on the same PR by default.
  const commentKey = get('comment-key') || (mode === 'review' ? 'review' : 'default')
  if (!/^[A-Za-z0-9_.:/-]{1,64}$/.test(commentKey)) {
    throw new InputError(
      'comment-key',
      `expected 1-64 letters, digits or '_.:/-', got '${commentKey}'`
    )
  }
  const inputs: Inputs = {
    mode,
    statusCheck: parseEnum('status-check', get('status-check'), ['auto', 'true', 'false'], 'auto'),
    orgId,
    apiUrl: readApiUrl(get, (m) => o.log?.info(m)),
    task: await readTask(get, workspace, mode, o.log),
    includeDiff: parseBoolean('include-diff', get('include-diff'), true),
    baseRef: get('base-ref'),
    includeUncommitted: parseBoolean('include-uncommitted', get('include-uncommitted'), true),
    maxDiffBytes: readNumber(get, 'max-diff-bytes') ?? 100_000,
    excludePaths: parseList(get('exclude-paths')),
    secretScan: parseEnum('secret-scan', get('secret-scan'), ['redact', 'fail', 'off'], 'redact'),
    title: get('title'),
    tags: parseList(get('tags')),
    playbookId: get('playbook-id'),
    knowledgeIds: optionalList(get('knowledge-ids')),
    secretIds: optionalList(get('secret-ids')),
    maxAcuLimit: readNumber(get, 'max-acu-limit'),
    structuredOutputSchema: await parseSchema(get('structured-output-schema')),
    devinMode: get('devin-mode'),
    repos: parseList(get('repos')),
    wait: parseBoolean('wait', get('wait'), false),
    timeoutMinutes: readNumber(get, 'timeout-minutes') ?? 60,
    pollIntervalSeconds: readNumber(get, 'poll-interval') ?? 30,
    comment: parseEnum('comment', get('comment'), ['auto', 'true', 'false'], 'auto'),
    commentKey,
    reuseSession: parseBoolean('reuse-session', get('reuse-session'), false),
    failOn: parseFailOn(get('fail-on')),
    dryRun: parseBoolean('dry-run', get('dry-run'), false),
    prNumber: readNumber(get, 'pr-number'),
    triggerPhrase: get('trigger-phrase'),
    stopOnCancel: parseBoolean('stop-on-cancel', get('stop-on-cancel'), false),
    attachmentsPath: get('attachments-path'),
    allowForks: parseBoolean('allow-forks', get('allow-forks'), false),
    allowedBots,
    requirePermission: parseEnum(
      'require-permission',
      get('require-permission'),
      PERMISSIONS,
      'write'
    ),
    ciLogs: parseBoolean('ci-logs', get('ci-logs'), true),
    maxLogBytes: readNumber(get, 'max-log-bytes') ?? 200_000,
    maxSessionsPerPr: readNumber(get, 'max-sessions-per-pr') ?? 0,
    maxAcusPerPr: readNumber(get, 'max-acus-per-pr') ?? 0,
    incremental: parseBoolean('incremental', get('incremental'), true)
  }
  if (inputs.attachmentsPath) await checkAttachmentsPath(workspace, inputs.attachmentsPath)
  if (inputs.tags.length > 40) {
    throw new InputError(
      'tags',
      `at most 40 extra tags fit in Devin's limit of 50, got ${inputs.tags.length}`
    )
  }
  return inputs
}
