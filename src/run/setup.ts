/**
 * The mistakes a first run makes while setting the action up: an input name the runner passes
 * but the action never reads (`api_key:`), a legacy key, an organization name where the id
 * belongs, an `api-url` that already names the API version. Each is caught before any request,
 * with a message that says what to write instead, because each would otherwise cost a round trip
 * (a run without the user's key or timeout, a 401 with a failure comment on the PR, a 404).
 */
import type { DevinKeyKind } from '../credentials/read.js'
import { InputError } from './input-error.js'

/** Every input of action.yml (test/unit/run/setup.test.ts keeps the two in step). */
export const INPUT_NAMES = [
  'api-key',
  'org-id',
  'api-url',
  'prompt',
  'prompt-file',
  'include-diff',
  'base-ref',
  'include-uncommitted',
  'max-diff-bytes',
  'exclude-paths',
  'secret-scan',
  'title',
  'tags',
  'playbook-id',
  'knowledge-ids',
  'secret-ids',
  'max-acu-limit',
  'structured-output-schema',
  'devin-mode',
  'repos',
  'wait',
  'timeout-minutes',
  'poll-interval',
  'comment',
  'comment-key',
  'reuse-session',
  'fail-on',
  'dry-run',
  'pr-number',
  'trigger-phrase',
  'stop-on-cancel',
  'attachments-path',
  'github-token',
  'allow-forks',
  'allowed-bots',
  'require-permission',
  'mode',
  'status-check',
  'max-sessions-per-pr',
  'max-acus-per-pr',
  'ci-logs',
  'max-log-bytes',
  'incremental'
] as const

/** The runner's form of a name: upper case, spaces to `_`, hyphens and underscores kept. */
const envForm = (name: string): string => name.replace(/ /g, '_').toUpperCase()
/** What a name is once the separators a user may have mixed up are gone. */
const bare = (name: string): string => name.toUpperCase().replace(/[-_ ]/g, '')

const KNOWN = new Set(INPUT_NAMES.map(envForm))
const BY_BARE = new Map(INPUT_NAMES.map((n) => [bare(n), n]))

/**
 * Names the runner passed (`INPUT_<NAME>` without the prefix) that are no input of the action
 * but one with its separators changed (`TIMEOUT_MINUTES` for `timeout-minutes`), with the input
 * meant. The runner keeps `_` and `-` as written, so such a value never reaches the action. A
 * name in the wrong case only comes from a hand-written environment (`.env` for local runs): it
 * is named as the variable it is.
 */
export function misspelledInputs(
  given: readonly string[]
): Array<{ given: string; meant: string }> {
  const out: Array<{ given: string; meant: string }> = []
  for (const name of given) {
    const upper = name.toUpperCase()
    if (KNOWN.has(upper)) {
      if (name !== upper) out.push({ given: `INPUT_${name}`, meant: `INPUT_${upper}` })
      continue
    }
    const meant = BY_BARE.get(bare(name))
    if (meant) out.push({ given: name.toLowerCase(), meant })
  }
  return out
}

/** Fails on the first misspelled input name, naming the others too. */
export function checkInputNames(given: readonly string[] | undefined): void {
  const [first, ...rest] = misspelledInputs(given ?? [])
  if (!first) return
  const also = rest.map((m) => `; '${m.given}' is '${m.meant}' too`).join('')
  throw new InputError(
    first.given,
    `is not an input of this action, so its value was not used; did you mean '${first.meant}'? Input names are written with hyphens${also}`
  )
}

/** A legacy key fails before any request: it would be answered 401, with a failure comment. */
export function checkDevinKey(kind: DevinKeyKind | undefined): void {
  if (kind !== 'legacy') return
  throw new InputError(
    'api-key',
    'is a legacy Devin API key (apk_…), which only the v1 API accepts. This action uses the v3 API, which needs a service user key (cog_…): in Devin, open Settings → Service users, create a service user with ManageOrgSessions and ViewOrgSessions, create a key for it and put that in the DEVIN_API_KEY secret'
  )
}

const LOOKS_LIKE_A_KEY = /^(cog|apk)_/i

/** `org-id` is `org-…`; an organization's name or slug is the usual mistake. */
export function checkOrgId(orgId: string): void {
  if (orgId === '' || /^org-[A-Za-z0-9_.-]+$/.test(orgId)) return
  // A key pasted into the wrong input is not repeated back.
  const got = LOOKS_LIKE_A_KEY.test(orgId)
    ? "what looks like an API key (not shown; the key goes in 'api-key')"
    : `'${orgId}'`
  throw new InputError(
    'org-id',
    `expected an organization id such as 'org-abc123' (it starts with 'org-'; Devin shows it under Settings → Service users), got ${got}`
  )
}

export function parseUrl(name: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError(name, `expected an http(s) URL, got '${raw}'`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(name, `expected an http(s) URL, got '${raw}'`)
  }
  return raw.replace(/\/+$/, '')
}

/** The URL as a log may show it: no user info, no query. */
function shown(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
}

/**
 * `api-url`, checked, without trailing slashes or a trailing `/v3` (the action appends `/v3/…`
 * itself; left on, every path would be `/v3/v3/…` and answered 404). `info` hears about a `/v3`
 * dropped; the post step reads the same value without it.
 */
export function apiBaseUrl(raw: string, info?: (message: string) => void): string {
  const url = parseUrl('api-url', raw || 'https://api.devin.ai')
  const base = url.replace(/\/v3$/i, '').replace(/\/+$/, '')
  if (base !== url)
    info?.(
      `Input 'api-url': dropped the trailing '/v3' (the action appends '/v3/…' itself); calling Devin at ${shown(base)}`
    )
  return base
}
