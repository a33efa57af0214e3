import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  actorsOf,
  botAllowed,
  FORK_RECIPE,
  forkSkipReason,
  permissionSkipReason,
  staticSkipReason
} from '../../../src/run/trust.ts'
import { afterPhrase, triggerOf } from '../../../src/run/trigger.ts'
import type { RunContext } from '../../../src/run/context.ts'
import type { Inputs, Permission } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import { REPO_ROOT } from '../../helpers/run-action.ts'

function ctx(
  payload: RunContext['payload'],
  triggeringActor = 'alice',
  eventName = 'pull_request'
): RunContext {
  return { eventName, payload, owner: 'acme', repo: 'app', triggeringActor } as RunContext
}
const target = (isFork: boolean): Target =>
  ({
    slug: 'acme/app',
    pr: { number: 1, isFork, headRepo: isFork ? 'eve/app' : 'acme/app' }
  }) as Target
const inputs = (over: Partial<Inputs> = {}): Inputs =>
  ({ apiKey: 'cog_x', allowForks: false, allowedBots: [], ...over }) as Inputs

const silent = { warning: () => undefined }
const skipReason = (c: RunContext, t: Target, i: Inputs): string | undefined =>
  staticSkipReason(c, t, i, true, silent)

describe('trust', () => {
  it('skips forks unless allowed', () => {
    expect(skipReason(ctx({}), target(true), inputs())).toMatch(/^fork: .*eve\/app/)
    expect(skipReason(ctx({}), target(true), inputs({ allowForks: true }))).toBeUndefined()
  })

  it('skips bots unless listed, with or without the [bot] suffix', () => {
    const dependabot = ctx({ sender: { login: 'dependabot[bot]', type: 'Bot' } }, 'dependabot[bot]')
    expect(skipReason(dependabot, target(false), inputs())).toMatch(/^bot: dependabot\[bot\]/)
    expect(
      skipReason(dependabot, target(false), inputs({ allowedBots: ['dependabot'] }))
    ).toBeUndefined()
    expect(botAllowed('renovate[bot]', ['*'])).toBe(true)
  })

  it('checks the comment author as well as the actor', async () => {
    const c = ctx(
      { comment: { user: { login: 'mallory', type: 'User' } } },
      'alice',
      'issue_comment'
    )
    expect(actorsOf(c).map((a) => a.login)).toEqual(['alice', 'mallory'])
    const perms: Record<string, Permission> = { alice: 'admin', mallory: 'read' }
    const reason = await permissionSkipReason(c, 'write', async (l) => perms[l] ?? 'none')
    expect(reason).toMatch(/^permission: mallory \(comment author\) has 'read'/)
    expect(await permissionSkipReason(c, 'read', async (l) => perms[l] ?? 'none')).toBeUndefined()
    expect(await permissionSkipReason(c, 'none', async () => 'none')).toBeUndefined()
  })
})

describe('trust: fork PRs', () => {
  const pr = { number: 7, headRepo: 'eve/app' }

  it('under pull_request says both what to set and which event gives the key, at once', () => {
    expect(forkSkipReason('pull_request', pr)).toBe(
      "fork: pull request #7 comes from eve/app. Fork PRs get no secrets under 'pull_request': to hand them off, run on 'pull_request_target' and set 'allow-forks: true', as the README section 'Pull requests from forks' (#pull-requests-from-forks-pull_request_target) shows"
    )
  })

  it('elsewhere (secrets are there) says to allow forks, and where to read first', () => {
    for (const event of ['pull_request_target', 'issue_comment', 'workflow_dispatch'])
      expect(forkSkipReason(event, pr)).toBe(
        "fork: pull request #7 comes from eve/app (set 'allow-forks: true' to hand off fork PRs; see the README section 'Pull requests from forks' (#pull-requests-from-forks-pull_request_target))"
      )
    expect(forkSkipReason('pull_request', { number: 7, headRepo: '' })).toMatch(
      /^fork: pull request #7 comes from a deleted fork\./
    )
  })

  it('points at a section the README has', () => {
    const anchor = /\(#([^)]+)\)/.exec(FORK_RECIPE)?.[1]
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
    // GitHub's heading ids: lower case, punctuation but '-' and '_' dropped, spaces to '-'.
    const ids = [...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      (m[1] ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-')
    )
    expect(ids).toContain(anchor)
    expect(ids).not.toContain('pull-requests-from-forks')
  })

  it('with allow-forks but no key under pull_request, the error names the event to use', () => {
    const c = ctx({}, 'eve', 'pull_request')
    expect(() =>
      staticSkipReason(c, target(true), inputs({ allowForks: true }), false, silent)
    ).toThrow(
      /^Input 'api-key': is required; .*Fork PRs get no secrets under 'pull_request': hand off from 'pull_request_target' instead, as the README section 'Pull requests from forks' \(#pull-requests-from-forks-pull_request_target\) shows$/
    )
  })
})

describe('trust: a dry run', () => {
  it('needs no key: nothing is sent', () => {
    const c = ctx({}, 'alice', 'workflow_dispatch')
    expect(
      staticSkipReason(c, { slug: 'acme/app' } as Target, inputs({ dryRun: true }), false, silent)
    ).toBeUndefined()
    expect(() =>
      staticSkipReason(c, { slug: 'acme/app' } as Target, inputs({ dryRun: false }), false, silent)
    ).toThrow(/^Input 'api-key': is required/)
  })

  it('still skips what it would skip with a key', () => {
    expect(
      staticSkipReason(ctx({}), target(true), inputs({ dryRun: true }), false, silent)
    ).toMatch(/^fork: /)
  })
})

describe('trust: who triggered it', () => {
  const none = async (): Promise<Permission> => 'none'

  it('does not gate a schedule on whoever last edited the cron, person or bot', async () => {
    const left = ctx({ schedule: '17 3 * * *' }, 'carol', 'schedule')
    expect(actorsOf(left)).toEqual([])
    expect(await permissionSkipReason(left, 'admin', none)).toBeUndefined()
    const bot = ctx({ schedule: '17 3 * * *' }, 'renovate[bot]', 'schedule')
    expect(skipReason(bot, target(false), inputs())).toBeUndefined()
  })

  it('still skips a fork PR named by pr-number on a schedule', () => {
    const c = ctx({ schedule: '17 3 * * *' }, 'carol', 'schedule')
    expect(skipReason(c, target(true), inputs())).toMatch(/^fork: /)
  })

  it.each(['workflow_dispatch', 'repository_dispatch', 'workflow_run', 'push'])(
    'gates %s on its actor: a person (or their token) started it',
    async (event) => {
      const c = ctx({ sender: { login: 'carol', type: 'User' } }, 'carol', event)
      expect(actorsOf(c).map((a) => a.login)).toEqual(['carol'])
      expect(await permissionSkipReason(c, 'write', none)).toMatch(/^permission: carol /)
    }
  )
})

describe('trigger phrase', () => {
  it('matches only a whole leading phrase', () => {
    expect(afterPhrase('  /devin fix the test', '/devin')).toBe('fix the test')
    expect(afterPhrase('/devin', '/devin')).toBe('')
    expect(afterPhrase('/devinx go', '/devin')).toBeUndefined()
    expect(afterPhrase('please /devin go', '/devin')).toBeUndefined()
  })

  it('turns the rest of the comment into the task, and `new` into a fresh session', () => {
    const c = (body: string, action = 'created'): RunContext =>
      ({ eventName: 'issue_comment', payload: { action, comment: { id: 7, body } } }) as RunContext
    expect(triggerOf(c('/devin add tests'), '/devin')).toMatchObject({
      extraTask: 'add tests',
      forceNew: false
    })
    expect(triggerOf(c('/devin new start over'), '/devin')).toMatchObject({
      extraTask: 'start over',
      forceNew: true
    })
    expect(triggerOf(c('lgtm'), '/devin').skip).toMatch(/does not start with/)
    expect(triggerOf(c('/devin go', 'edited'), '/devin').skip).toMatch(/edited/)
    expect(triggerOf(c('/devin go'), '/devin').comment).toEqual({ id: 7, kind: 'issue' })
  })
})
