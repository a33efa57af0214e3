/**
 * Follow-ups: `reuse-session` sends a new handoff to the live session of the same PR and key,
 * and comment triggers (`trigger-phrase`) hand off the rest of the comment, with reactions.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { stateOf } from '../helpers/comment.ts'
import { OWNER, REPO, prScenario, type PrScenario } from '../helpers/scenario.ts'

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

/** An `issue_comment` payload on the scenario's PR, as GitHub sends it. */
function commentEvent(sc: PrScenario, body: string, login = 'alice') {
  const comment = sc.github.addComment({ issue: sc.checkout.prNumber, body, login, type: 'User' })
  return {
    eventName: 'issue_comment',
    payload: {
      action: 'created',
      issue: {
        number: sc.checkout.prNumber,
        pull_request: {
          url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${sc.checkout.prNumber}`
        }
      },
      comment: { id: comment.id, body, user: { login, type: 'User' } },
      repository: { full_name: `${OWNER}/${REPO}`, default_branch: 'main' },
      sender: { login, type: 'User' }
    },
    commentId: comment.id
  }
}

describe('reuse-session', () => {
  it('sends the handoff to the live session of this PR and key instead of creating one', async () => {
    s = await prScenario()
    const first = await s.run()
    const second = await s.run({ 'reuse-session': 'true', prompt: 'Also update the docs.' })
    expect(first.code).toBe(0)
    expect(second.code, second.stdout).toBe(0)
    expect(s.devin.createCount).toBe(1)
    expect(second.outputs.result).toBe('reused')
    expect(second.outputs['session-id']).toBe(first.outputs['session-id'])
    const sent = s.devin.requestsTo('POST', /\/messages$/)
    expect(sent).toHaveLength(1)
    expect((sent[0]?.json as { message: string }).message).toContain('Also update the docs.')
    // prompt-bytes is the size of what was sent: the follow-up message, not the bare prompt.
    const message = (sent[0]?.json as { message: string }).message
    expect(second.outputs['prompt-bytes']).toBe(String(Buffer.byteLength(message)))
    expect(s.github.liveComments(7)).toHaveLength(1)
    expect(stateOf(s.github.liveComments(7)[0]?.body ?? '')).toBe(
      '🔁 Handoff sent to the running session'
    )
  })

  it('wakes a session suspended for inactivity', async () => {
    s = await prScenario()
    const first = await s.run()
    s.devin.setSession(first.outputs['session-id'] ?? '', {
      status: 'suspended',
      status_detail: 'inactivity'
    })
    const second = await s.run({ 'reuse-session': 'true' })
    expect(second.outputs.result).toBe('reused')
    expect(s.devin.createCount).toBe(1)
    expect(s.devin.sessions.get(first.outputs['session-id'] ?? '')?.resumes).toHaveLength(1)
  })

  it('creates a new session when the earlier one is gone or blocked on billing', async () => {
    s = await prScenario()
    const first = await s.run()
    s.devin.setSession(first.outputs['session-id'] ?? '', { status: 'exit' })
    const second = await s.run({ 'reuse-session': 'true' })
    expect(second.outputs.result).toBe('created')
    s.devin.setSession(second.outputs['session-id'] ?? '', {
      status: 'suspended',
      status_detail: 'out_of_credits'
    })
    const third = await s.run({ 'reuse-session': 'true' })
    expect(third.outputs.result).toBe('created')
    expect(s.devin.createCount).toBe(3)
    expect(s.devin.requestsTo('POST', /\/messages$/)).toHaveLength(0)
  })

  it('falls back to a new session when the live one vanishes before the message lands', async () => {
    s = await prScenario()
    await s.run()
    s.devin.fault(
      { method: 'POST', path: /\/messages$/ },
      {
        status: 404,
        body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Session not found' }
      }
    )
    const r = await s.run({ 'reuse-session': 'true' })
    expect(r.code, r.stdout).toBe(0)
    expect(r.outputs.result).toBe('created')
    expect(s.devin.createCount).toBe(2)
    expect(r.stdout).toMatch(/can no longer take messages \(404\)/)
  })

  it('keeps sessions of different comment keys apart', async () => {
    s = await prScenario()
    await s.run({ 'comment-key': 'review' })
    const other = await s.run({ 'comment-key': 'docs', 'reuse-session': 'true' })
    expect(other.outputs.result).toBe('created')
    expect(s.github.liveComments(7)).toHaveLength(2)
  })
})

describe('trigger-phrase', () => {
  it('hands off the rest of a matching comment and reacts eyes then rocket', async () => {
    s = await prScenario()
    const ev = commentEvent(s, '/devin please add tests for mul')
    const r = await s.run(
      { 'trigger-phrase': '/devin' },
      { eventName: ev.eventName, payload: ev.payload }
    )
    expect(r.code, r.stdout).toBe(0)
    expect(r.outputs.result).toBe('created')
    const prompt = (s.devin.requestsTo('POST', /\/sessions$/)[0]?.json as { prompt: string }).prompt
    expect(prompt).toContain('please add tests for mul')
    expect(prompt).not.toContain('/devin please')
    expect(s.github.requestsTo('GET', /\/pulls\/7$/)).toHaveLength(1)
    expect(
      s.github.reactions.filter((x) => x.commentId === ev.commentId).map((x) => x.content)
    ).toEqual(['eyes', 'rocket'])
  })

  it('skips other comments quietly, without a session, a comment or a reaction', async () => {
    s = await prScenario()
    const ev = commentEvent(s, 'Looks good to me')
    const r = await s.run(
      { 'trigger-phrase': '/devin' },
      { eventName: ev.eventName, payload: ev.payload }
    )
    expect(r.code).toBe(0)
    expect(r.outputs.result).toBe('skipped')
    expect(r.outputs['skip-reason']).toMatch(/does not start with '\/devin'/)
    expect(s.devin.requests).toHaveLength(0)
    expect(s.github.reactions).toHaveLength(0)
    expect(s.github.liveComments(7)).toHaveLength(1) // only the human's comment
  })

  it('starts a fresh session for `/devin new` even with reuse on', async () => {
    s = await prScenario()
    await s.run()
    const ev = commentEvent(s, '/devin new start over with a cleaner design')
    const r = await s.run(
      { 'trigger-phrase': '/devin', 'reuse-session': 'true' },
      { eventName: ev.eventName, payload: ev.payload }
    )
    expect(r.outputs.result).toBe('created')
    expect(s.devin.createCount).toBe(2)
    const prompt = (s.devin.requestsTo('POST', /\/sessions$/)[1]?.json as { prompt: string }).prompt
    expect(prompt).toContain('start over with a cleaner design')
  })

  it('reacts confused when the handoff fails', async () => {
    s = await prScenario()
    const ev = commentEvent(s, '/devin fix it')
    const r = await s.run(
      { 'trigger-phrase': '/devin', 'org-id': 'org-unknown' },
      { eventName: ev.eventName, payload: ev.payload }
    )
    expect(r.code).toBe(1)
    expect(s.github.reactions.map((x) => x.content)).toEqual(['eyes', 'confused'])
  })
})
