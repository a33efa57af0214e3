/**
 * Runs the built action (dist/index.js, and dist/post.js for the post step) the way the Actions runner does: Node 24, a
 * clean environment of GITHUB_* / RUNNER_* variables derived from the event, INPUT_* variables with
 * action.yml defaults applied, and file commands (GITHUB_OUTPUT, GITHUB_STATE, the step summary)
 * read back afterwards.
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const NODE_BIN = join(REPO_ROOT, 'node_modules/.bin/node')

export interface RunActionOptions {
  inputs: Record<string, string>
  eventName: string
  payload: object
  workspace: string
  githubUrl: string
  /** `owner/repo`. */
  repository: string
  env?: Record<string, string>
  /** Default <repo>/dist/index.js. */
  entry?: string
  /** Entry for runPost; default <repo>/dist/post.js. */
  postEntry?: string
  /** Default <repo>/action.yml; when that file is missing no defaults are applied. */
  actionYml?: string
  /** What `${{ github.token }}` expands to in input defaults (default 'ghs_test_token'). */
  githubToken?: string
  /** Default 30 s. */
  timeoutMs?: number
  /** Keep the temp dir (event file, command files, RUNNER_TEMP) after the run. */
  keepTemp?: boolean
}

export interface WorkflowCommand {
  command: string
  props: Record<string, string>
  message: string
}

export interface ActionResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  state: Record<string, string>
  /** `::error::`, `::warning::`, `::notice::`, `::add-mask::`… lines from stdout. */
  commands: WorkflowCommand[]
  /** The environment the process ran with. */
  env: Record<string, string>
}

export class ActionTimeoutError extends Error {
  readonly stdout: string
  readonly stderr: string
  constructor(ms: number, stdout: string, stderr: string) {
    super(
      `action did not finish within ${ms} ms\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`
    )
    this.stdout = stdout
    this.stderr = stderr
  }
}

/** Parses a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file: `name=value` and heredoc entries. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '')
    if (line === '') continue
    const eq = line.indexOf('=')
    const hd = line.indexOf('<<')
    if (hd > 0 && (eq === -1 || hd < eq)) {
      const name = line.slice(0, hd)
      const delim = line.slice(hd + 2)
      const value: string[] = []
      let closed = false
      for (i += 1; i < lines.length; i++) {
        const l = (lines[i] ?? '').replace(/\r$/, '')
        if (l === delim) {
          closed = true
          break
        }
        value.push(l)
      }
      if (!closed) throw new Error(`file command ${name}: matching delimiter '${delim}' not found`)
      out[name] = value.join('\n')
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1)
    } else {
      throw new Error(`file command: invalid line '${line}'`)
    }
  }
  return out
}

const unescapeData = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProp = (s: string): string =>
  unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')

export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = []
  for (const line of stdout.split('\n')) {
    const m = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''))
    if (m === null) continue
    const props: Record<string, string> = {}
    for (const pair of (m[2] ?? '').split(',')) {
      const eq = pair.indexOf('=')
      if (eq > 0) props[pair.slice(0, eq).trim()] = unescapeProp(pair.slice(eq + 1))
    }
    out.push({ command: m[1] ?? '', props, message: unescapeData(m[3] ?? '') })
  }
  return out
}

/** The runner's name mangling: upper-case, spaces to underscores, hyphens kept. */
export const inputEnvName = (name: string): string =>
  `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

/** Expands the few `${{ … }}` expressions an input default may use; anything else is an error. */
export function expandDefault(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_all, expr: string) => {
    const v = context[expr]
    if (v === undefined) throw new Error(`run-action: unsupported expression in default: ${expr}`)
    return v
  })
}

export function inputDefaults(
  actionYml: string,
  context: Record<string, string>
): Record<string, string> {
  const doc = parseYaml(readFileSync(actionYml, 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>
  }
  const out: Record<string, string> = {}
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) {
    const d = spec?.default
    if (d !== undefined && d !== null) out[name] = expandDefault(String(d), context)
  }
  return out
}

interface EventPayloadShape {
  ref?: string
  after?: string
  sender?: { login?: string }
  repository?: { default_branch?: string }
  pull_request?: {
    number?: number
    merge_commit_sha?: string | null
    head?: { ref?: string; sha?: string }
    base?: { ref?: string; sha?: string }
  }
}

const PR_EVENTS = ['pull_request', 'pull_request_review', 'pull_request_review_comment']
const ZERO_SHA = '0'.repeat(40)

/** GITHUB_REF / GITHUB_SHA / head and base refs as the runner derives them from the event. */
export function refsFor(eventName: string, payload: EventPayloadShape): Record<string, string> {
  const pr = payload.pull_request
  const defaultRef = `refs/heads/${payload.repository?.default_branch ?? 'main'}`
  let ref = payload.ref ?? defaultRef
  let sha = payload.after ?? 'a'.repeat(40)
  let headRef = ''
  let baseRef = ''
  if (pr && (PR_EVENTS.includes(eventName) || eventName === 'pull_request_target')) {
    headRef = pr.head?.ref ?? ''
    baseRef = pr.base?.ref ?? ''
    if (eventName === 'pull_request_target') {
      ref = `refs/heads/${baseRef}`
      sha = pr.base?.sha ?? ZERO_SHA
    } else {
      ref = `refs/pull/${pr.number ?? 0}/merge`
      sha = pr.merge_commit_sha ?? pr.head?.sha ?? ZERO_SHA
    }
  }
  if (!ref.startsWith('refs/')) ref = `refs/heads/${ref}`
  const refName = ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\//, '')
  return {
    GITHUB_REF: ref,
    GITHUB_REF_NAME: refName,
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_SHA: sha,
    GITHUB_HEAD_REF: headRef,
    GITHUB_BASE_REF: baseRef
  }
}

interface Prepared {
  dir: string
  env: Record<string, string>
  files: { output: string; state: string; summary: string }
}

/** Synchronous so startAction can hand back the ChildProcess itself. */
function prepare(opts: RunActionOptions, extra: Record<string, string>): Prepared {
  const dir = mkdtempSync(join(tmpdir(), 'run-action-'))
  const files = {
    event: join(dir, 'event.json'),
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary'),
    env: join(dir, 'env'),
    path: join(dir, 'path')
  }
  const runnerTemp = join(dir, 'runner-temp')
  const home = join(dir, 'home')
  mkdirSync(runnerTemp)
  mkdirSync(home)
  writeFileSync(files.event, JSON.stringify(opts.payload))
  for (const f of [files.output, files.state, files.summary, files.env, files.path]) {
    writeFileSync(f, '')
  }
  const payload = opts.payload as EventPayloadShape
  const owner = opts.repository.split('/')[0] ?? ''
  const actor = payload.sender?.login ?? 'octocat'
  const refs = refsFor(opts.eventName, payload)
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: opts.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_REPOSITORY: opts.repository,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_API_URL: opts.githubUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_GRAPHQL_URL: `${opts.githubUrl}/graphql`,
    GITHUB_RUN_ID: '4242424242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_ACTOR: actor,
    GITHUB_TRIGGERING_ACTOR: actor,
    ...refs,
    GITHUB_WORKFLOW: 'Devin handoff',
    GITHUB_JOB: 'handoff',
    GITHUB_ACTION: '__devin-handoff',
    GITHUB_ACTION_REPOSITORY: 'devin-handoff/devin-handoff',
    GITHUB_ACTION_REF: 'v1',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'emulated-runner',
    HOME: home,
    PATH: `${dirname(NODE_BIN)}:${process.env.PATH ?? '/usr/bin:/bin'}`
  }
  const actionYml = opts.actionYml ?? join(REPO_ROOT, 'action.yml')
  if (opts.actionYml !== undefined || existsSync(actionYml)) {
    const context: Record<string, string> = {
      'github.token': opts.githubToken ?? 'ghs_test_token',
      'github.repository': opts.repository,
      'github.repository_owner': owner,
      'github.workspace': opts.workspace,
      'github.event_name': opts.eventName,
      'github.server_url': env.GITHUB_SERVER_URL ?? '',
      'github.api_url': opts.githubUrl,
      'github.sha': refs.GITHUB_SHA ?? '',
      'github.ref': refs.GITHUB_REF ?? '',
      'github.run_id': env.GITHUB_RUN_ID ?? '',
      'runner.temp': runnerTemp
    }
    const defaults = inputDefaults(actionYml, context)
    for (const [name, value] of Object.entries(defaults)) env[inputEnvName(name)] = value
  }
  for (const [name, value] of Object.entries(opts.inputs)) env[inputEnvName(name)] = value
  Object.assign(env, extra, opts.env)
  return { dir, env, files }
}

export interface StartedAction {
  child: ChildProcess
  done: Promise<ActionResult>
}

function launch(
  entry: string,
  opts: RunActionOptions,
  extra: Record<string, string>
): StartedAction {
  const prep = prepare(opts, extra)
  const child = spawn(NODE_BIN, [entry], {
    cwd: opts.workspace,
    env: prep.env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const cleanup = async (): Promise<void> => {
    if (!opts.keepTemp) await rm(prep.dir, { recursive: true, force: true })
  }
  const collect = async (
    code: number | null,
    signal: NodeJS.Signals | null
  ): Promise<ActionResult> => {
    const [output, state, summary] = await Promise.all([
      readFile(prep.files.output, 'utf8'),
      readFile(prep.files.state, 'utf8'),
      readFile(prep.files.summary, 'utf8')
    ])
    const parse = (text: string): Record<string, string> => {
      try {
        return parseFileCommands(text)
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err)
        throw new Error(`${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`, {
          cause: err
        })
      }
    }
    const outputs = parse(output)
    return {
      code,
      signal,
      stdout,
      stderr,
      outputs,
      summary,
      state: parse(state),
      commands: parseWorkflowCommands(stdout),
      env: prep.env
    }
  }
  const done = new Promise<ActionResult>((resolveRun, rejectRun) => {
    const ms = opts.timeoutMs ?? 30_000
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, ms)
    const finish = (work: Promise<ActionResult>): void => {
      clearTimeout(timer)
      work.then(
        (r) => cleanup().then(() => resolveRun(r)),
        (err: unknown) => cleanup().then(() => rejectRun(err))
      )
    }
    child.on('error', (err) => finish(Promise.reject(err)))
    child.on('close', (code, signal) => {
      if (timedOut) finish(Promise.reject(new ActionTimeoutError(ms, stdout, stderr)))
      else finish(collect(code, signal))
    })
  })
  return { child, done }
}

/** Starts the action and hands back the child (for signal tests) and its result. */
export function startAction(opts: RunActionOptions): StartedAction {
  return launch(opts.entry ?? join(REPO_ROOT, 'dist/index.js'), opts, {})
}

export async function runAction(opts: RunActionOptions): Promise<ActionResult> {
  return startAction(opts).done
}

/** Runs the post entry with the state a main run saved, as `STATE_<name>` variables. */
export async function runPost(
  from: ActionResult | Record<string, string>,
  opts: RunActionOptions
): Promise<ActionResult> {
  const isResult = typeof from.stdout === 'string' && typeof from.state === 'object'
  const state = isResult ? (from as ActionResult).state : (from as Record<string, string>)
  const extra: Record<string, string> = {}
  for (const [name, value] of Object.entries(state)) extra[`STATE_${name}`] = value
  const entry = opts.postEntry ?? join(REPO_ROOT, 'dist/post.js')
  return launch(entry, opts, extra).done
}
