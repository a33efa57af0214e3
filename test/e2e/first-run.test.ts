/**
 * The first five minutes, end to end against the built action: each trap a new user falls into
 * is caught with a message that says what to do, and that message is what reaches the log (as the
 * Actions UI shows it), the annotations and the outputs. Setup mistakes fail before any request,
 * so neither emulator sees one and no failure comment lands on the PR.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SessionStep } from '../emulators/devin.ts'
import { actionsView } from '../helpers/actions-ui.ts'
import { seededRandom } from '../helpers/fake-secrets.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { API_KEY, everything, prScenario, type PrScenario } from '../helpers/scenario.ts'

const rand = seededRandom(555)
// Assembled at run time: the file holds no key whole.
const LEGACY_KEY = ['apk_', 'user_', rand(40)].join('')

const annotations = (r: ActionResult, level: string): string[] =>
  r.commands.filter((c) => c.command === level).map((c) => c.message)

/** What the user reads in the Actions UI. */
const shown = (r: ActionResult): string => actionsView(r.stdout).lines.join('\n')

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})
async function fresh(o: Parameters<typeof prScenario>[0] = {}): Promise<PrScenario> {
  const s = await prScenario(o)
  cleanups.push(() => s.close())
  return s
}

describe('setup mistakes, caught before any request', () => {
  let s: PrScenario
  beforeAll(async () => {
    s = await prScenario()
  })
  afterAll(async () => {
    await s?.close()
  })

  /** Fails with exactly one error, and nothing reached Devin, GitHub or the outputs. */
  function failedBeforeAnyRequest(r: ActionResult): string {
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const errors = annotations(r, 'error')
    expect(errors).toHaveLength(1)
    // Shared emulators: a request from any of these runs fails them all.
    expect(s.devin.requests).toEqual([])
    expect(s.github.requests).toEqual([])
    expect(s.github.liveComments(s.checkout.prNumber)).toEqual([])
    expect(r.outputs['session-id'] ?? '').toBe('')
    return errors[0] ?? ''
  }

  describe.concurrent('input names written with underscores', () => {
    it('api_key: names the input meant instead of running without the key', async () => {
      const r = await s.run({ 'api-key': '', api_key: API_KEY })
      const error = failedBeforeAnyRequest(r)
      expect(error).toBe(
        "Input 'api_key': is not an input of this action, so its value was not used; did you mean 'api-key'? Input names are written with hyphens"
      )
      expect(shown(r)).toContain(`Error: ${error}`)
      expect(r.stdout + r.stderr + r.summary).not.toContain(API_KEY)
    })

    it('timeout_minutes: fails, even beside a timeout-minutes it would contradict', async () => {
      for (const extra of [{}, { 'timeout-minutes': '10' }] as Array<Record<string, string>>) {
        const r = await s.run({ timeout_minutes: '5', wait: 'true', ...extra })
        expect(failedBeforeAnyRequest(r)).toMatch(
          /^Input 'timeout_minutes': is not an input of this action, so its value was not used; did you mean 'timeout-minutes'\?/
        )
      }
    })

    it('names every misspelled input in the one error', async () => {
      const r = await s.run({ fail_on: 'never', dry_run: 'true' })
      expect(failedBeforeAnyRequest(r)).toMatch(
        /^Input 'fail_on': .*did you mean 'fail-on'\?.*; 'dry_run' is 'dry-run' too$/
      )
    })
  })

  describe.concurrent('the organization and the key', () => {
    it('an org name where the org- id belongs says what an id looks like and where it is', async () => {
      const r = await s.run({ 'org-id': 'acme-corp' })
      expect(failedBeforeAnyRequest(r)).toBe(
        "Input 'org-id': expected an organization id such as 'org-abc123' (it starts with 'org-'; Devin shows it under Settings → Service users), got 'acme-corp'"
      )
    })

    it('a legacy apk_ key is refused with what v3 needs, and no part of it is printed', async () => {
      const r = await s.run({ 'api-key': LEGACY_KEY, wait: 'true' })
      const error = failedBeforeAnyRequest(r)
      expect(error).toMatch(/^Input 'api-key': is a legacy Devin API key \(apk_…\)/)
      expect(error).toContain('service user key (cog_…)')
      expect(error).toContain('Settings → Service users')
      const all = everything(s, [r])
      const secret = LEGACY_KEY.slice('apk_user_'.length)
      for (let i = 0; i + 8 <= secret.length; i++)
        expect(all, `key fragment at ${i}`).not.toContain(secret.slice(i, i + 8))
      // The runner was told to mask it, as any key.
      expect(annotations(r, 'add-mask')).toContain(LEGACY_KEY)
    })
  })
})

describe('api-url ending in /v3', () => {
  it('is called without the doubled path, saying so once', async () => {
    const s = await fresh()
    const r = await s.run({ 'api-url': `${s.devin.url}/v3/` })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.result).toBe('created')
    const paths = s.devin.requests.map((q) => q.path)
    expect(paths.length).toBeGreaterThan(0)
    for (const p of paths) expect(p).toMatch(/^\/v3\/organizations\//)
    const said = shown(r)
      .split('\n')
      .filter((l) => l.includes("dropped the trailing '/v3'"))
    expect(said).toEqual([
      `Input 'api-url': dropped the trailing '/v3' (the action appends '/v3/…' itself); calling Devin at ${s.devin.url}`
    ])
  })
})

describe('ends that do not fail the step leave a notice with the session and the reason', () => {
  const waiting = { wait: 'true', 'poll-interval': '1' }
  const cases: Array<[string, SessionStep[], Record<string, string>, RegExp]> = [
    [
      'needs-input',
      [{ status: 'running', status_detail: 'waiting_for_user' }],
      {},
      /Devin is waiting for a reply: answer in the Devin session\./
    ],
    [
      'suspended',
      [{ status: 'suspended', status_detail: 'out_of_credits' }],
      {},
      /Someone has to resolve that in Devin before the session can continue\./
    ],
    [
      'timeout',
      [{ status: 'running', status_detail: 'working' }],
      // The session never stops, so the run can only end at its budget, however slow the machine.
      { 'timeout-minutes': '0.02' },
      /Stopped waiting after 0\.02 minutes \(timeout-minutes\); the Devin session keeps running\./
    ],
    [
      'error',
      [{ status: 'error' }],
      { 'fail-on': 'never' },
      /Devin reported an error; the session has the details\./
    ]
  ]

  it.each(cases)('%s', async (result, steps, inputs, reason) => {
    const s = await fresh()
    s.devin.script([{ status: 'running', status_detail: 'working' }, ...steps])
    const r = await s.run({ ...waiting, ...inputs })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.result).toBe(result)
    const url = r.outputs['session-url'] ?? ''
    expect(url).toMatch(/^https:\/\/app\.devin\.ai\/sessions\/devin-/)
    const notices = annotations(r, 'notice')
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(
      new RegExp(`^Devin handoff ended with result '${result}' \\(status `)
    )
    expect(notices[0]).toMatch(reason)
    expect(notices[0]).toContain(`Session: ${url} (add '${result}' to 'fail-on'`)
    expect(annotations(r, 'error')).toEqual([])
  })

  it('and none when fail-on fails the step instead', async () => {
    const s = await fresh()
    s.devin.script([{ status: 'running', status_detail: 'waiting_for_user' }])
    const r = await s.run({ ...waiting, 'fail-on': 'needs-input' })
    expect(r.code).toBe(1)
    expect(annotations(r, 'notice')).toEqual([])
    expect(annotations(r, 'error')[0]).toMatch(/^Devin handoff ended with result 'needs-input'/)
  })
})

describe('fork pull requests', () => {
  it('under pull_request, the skip says both what to set and which event to use', async () => {
    const s = await fresh({ headRepo: 'eve/widgets', author: 'eve' })
    const r = await s.run()
    expect(r.code).toBe(0)
    expect(r.outputs.result).toBe('skipped')
    const notice = annotations(r, 'notice')[0] ?? ''
    expect(notice).toMatch(
      /^Devin handoff skipped: fork: pull request #7 comes from eve\/widgets\./
    )
    expect(notice).toContain("run on 'pull_request_target' and set 'allow-forks: true'")
    expect(notice).toContain('#pull-requests-from-forks-pull_request_target')
    expect(r.outputs['skip-reason']).toContain("'pull_request_target'")
    expect(s.devin.requests).toEqual([])
  })

  it('under pull_request_target without any checkout, reading the API diff is no warning', async () => {
    const s = await fresh({ headRepo: 'eve/widgets', author: 'eve' })
    const pull = s.github.pulls.get(7)
    if (pull)
      pull.files = [
        {
          filename: 'src/math.ts',
          status: 'modified',
          additions: 1,
          deletions: 0,
          changes: 1,
          patch: '@@ -1,3 +1,4 @@\n export function add() {}\n+export function mul() {}\n'
        }
      ]
    const empty = mkdtempSync(join(tmpdir(), 'devin-handoff-no-checkout-'))
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }))
    const r = await s.run(
      { 'allow-forks': 'true', 'include-uncommitted': 'false' },
      {
        eventName: 'pull_request_target',
        workspace: empty,
        env: { GITHUB_ACTOR: 'eve', GITHUB_TRIGGERING_ACTOR: 'eve', GITHUB_REF: 'refs/heads/main' }
      }
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.result).toBe('created')
    expect(annotations(r, 'warning')).toEqual([])
    expect(shown(r)).toMatch(/^Reading the change from the GitHub API instead of git: /m)
  })
})

describe('a dry run', () => {
  it('needs no key and no org id, and sends nothing to Devin (not even GET /v3/self)', async () => {
    const s = await fresh()
    const r = await s.run({ 'api-key': '', 'org-id': '', 'dry-run': 'true' })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.result).toBe('dry-run')
    expect(annotations(r, 'error')).toEqual([])
    expect(s.devin.requests).toEqual([])
    expect(s.github.liveComments(s.checkout.prNumber)).toEqual([])
    expect(r.summary).toContain('Devin handoff dry run')
    expect(shown(r)).toMatch(/^▶ Prompt \(\d+ bytes, dry run: nothing sent\)/m)
  })

  it('without dry-run the missing key still fails, before Devin hears of it', async () => {
    const s = await fresh()
    const r = await s.run({ 'api-key': '' })
    expect(r.code).toBe(1)
    expect(annotations(r, 'error')[0]).toMatch(/^Input 'api-key': is required/)
    expect(s.devin.requests).toEqual([])
  })
})
