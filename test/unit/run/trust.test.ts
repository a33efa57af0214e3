import { describe, expect, it } from 'vitest'
import {
  actorsOf,
  botAllowed,
  permissionSkipReason,
  staticSkipReason
} from '../../../src/run/trust.ts'
import { afterPhrase, triggerOf } from '../../../src/run/trigger.ts'
import type { RunContext } from '../../../src/run/context.ts'
import type { Inputs, Permission } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'

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
