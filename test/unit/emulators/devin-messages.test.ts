/**
 * The Devin emulator's send-message endpoint (test/emulators/devin-messages.ts) and the sessions
 * a conversation test starts from: one waiting for the user with Devin's question, and one Devin
 * started itself (no action tags), in this organization or another.
 */
import { describe, expect, it } from 'vitest'
import { ORG, call, create, devin, getJson, post } from './helpers.ts'

type Emu = Awaited<ReturnType<typeof devin>>
type Page<T> = { items: T[] }
type Wire = { session_id: string; status: string; status_detail: string | null; tags: string[] }

const violations = (emu: Emu) => emu.takeViolations().flatMap((v) => v.problems)

async function upload(emu: Emu, name: string): Promise<string> {
  const f = new FormData()
  f.set('file', new Blob(['FAIL test/math.test.ts'], { type: 'text/plain' }), name)
  const res = await call(emu, `${ORG}/attachments`, { method: 'POST', body: f })
  expect(res.status).toBe(200)
  return ((await res.json()) as { url: string }).url
}

describe('Devin emulator: POST …/messages', () => {
  it('records attachment_urls and message_as_user_id per message; GET pages only the wire fields', async () => {
    const emu = await devin()
    const id = await create(emu)
    const path = `${ORG}/sessions/${id}/messages`
    const url = await upload(emu, 'ci-log-1-tests.txt')
    const elsewhere = 'https://example.com/build.log'
    const sends = [
      { message: 'here are the logs', attachment_urls: [url, elsewhere] },
      { message: 'as alice', message_as_user_id: 'user-alice', attachment_urls: null },
      { message: 'plain' }
    ]
    for (const body of sends) expect((await post(emu, path, body)).status).toBe(200)
    const stored = emu.sessions.get(id)?.messages ?? []
    expect(stored.map((m) => [m.message, m.attachmentUrls, m.asUserId])).toEqual([
      ['do it', undefined, undefined],
      ['here are the logs', [url, elsewhere], undefined],
      ['as alice', undefined, 'user-alice'],
      ['plain', undefined, undefined]
    ])
    // The upload it names is the session's now, as the user's; the foreign URL is not a file here.
    const listed = await getJson<Array<{ name: string; source: string }>>(
      emu,
      `${ORG}/sessions/${id}/attachments`
    )
    expect(listed.map((a) => [a.name, a.source])).toEqual([['ci-log-1-tests.txt', 'user']])
    // What the emulator records beside a message never reaches the wire (the schema is closed).
    const page = await getJson<Page<Record<string, unknown>>>(emu, path)
    for (const m of page.items)
      expect(Object.keys(m).sort()).toEqual(['created_at', 'event_id', 'message', 'source'])
    expect(violations(emu)).toEqual([])
  })

  it('answers FastAPI 422s for anything but a string list or null, and records nothing', async () => {
    const emu = await devin()
    const id = await create(emu)
    const path = `${ORG}/sessions/${id}/messages`
    const bad: Array<[unknown, Array<string | number>, string]> = [
      [
        { message: 'm', attachment_urls: 'https://example.com/a' },
        ['body', 'attachment_urls'],
        'list_type'
      ],
      [{ message: 'm', attachment_urls: [42] }, ['body', 'attachment_urls'], 'list_type'],
      [{ message: 'm', attachment_urls: { url: 'x' } }, ['body', 'attachment_urls'], 'list_type'],
      [{ message: 'm', attachment_urls: [''] }, ['body', 'attachment_urls', 0], 'url_too_long'],
      [{ message: 'm', message_as_user_id: 7 }, ['body', 'message_as_user_id'], 'string_type'],
      [{ message: 5 }, ['body', 'message'], 'string_type'],
      [{ attachment_urls: [] }, ['body', 'message'], 'missing'],
      [['m'], ['body'], 'model_attributes_type']
    ]
    for (const [body, loc, type] of bad) {
      const res = await post(emu, path, body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      const json = (await res.json()) as { detail: Array<{ loc: unknown; type: string }> }
      expect(json.detail, JSON.stringify(body)).toEqual([expect.objectContaining({ loc, type })])
    }
    expect(emu.sessions.get(id)?.messages.map((m) => m.message)).toEqual(['do it'])
    // Each request was also off the documented body, and recorded as such.
    expect(emu.takeViolations()).toHaveLength(bad.length)
  })

  it('flags a non-URI attachment URL it still takes, as the documented format says', async () => {
    const emu = await devin()
    const id = await create(emu)
    const res = await post(emu, `${ORG}/sessions/${id}/messages`, {
      message: 'm',
      attachment_urls: ['not a url']
    })
    expect(res.status).toBe(200)
    expect(violations(emu)).toEqual([
      'body/attachment_urls/0 must match format "uri", not "not a url"'
    ])
  })
})

describe('Devin emulator: a session waiting for the user', () => {
  it('is seeded with its question; an answer sets it working again', async () => {
    const emu = await devin()
    const id = emu.seedSession(
      { prompt: 'earlier', tags: ['github-action', 'gh:o/r#7:default'] },
      {
        status: 'running',
        status_detail: 'waiting_for_user',
        messages: [{ message: 'Should mul accept bigint too?' }]
      }
    )
    const path = `${ORG}/sessions/${id}`
    const got = await getJson<Wire>(emu, path)
    expect([got.status, got.status_detail]).toEqual(['running', 'waiting_for_user'])
    const msgs = await getJson<Page<{ source: string; message: string }>>(emu, `${path}/messages`)
    expect(msgs.items.map((m) => `${m.source}:${m.message}`)).toEqual([
      'user:earlier',
      'devin:Should mul accept bigint too?'
    ])
    expect((await post(emu, `${path}/messages`, { message: 'No, number only.' })).status).toBe(200)
    const after = await getJson<Wire>(emu, path)
    expect([after.status, after.status_detail]).toEqual(['running', 'working'])
    // Not a wake-up from suspension: nothing to count there.
    expect(emu.sessions.get(id)?.resumes).toEqual([])
  })

  it('a session waiting for approval stays waiting after a message', async () => {
    const emu = await devin()
    const id = emu.seedSession(
      { prompt: 'p', tags: [] },
      { status: 'running', status_detail: 'waiting_for_approval' }
    )
    await post(emu, `${ORG}/sessions/${id}/messages`, { message: 'go on' })
    expect(emu.sessions.get(id)?.state.status_detail).toBe('waiting_for_approval')
  })
})

describe("Devin emulator: Devin's own sessions", () => {
  it('has no tags, is a user’s from the web app, and is read by id; tag lists never show it', async () => {
    const emu = await devin()
    const own = emu.seedOwnSession({ state: { status: 'running', status_detail: 'finished' } })
    const tagged = emu.seedSession({ prompt: 'p', tags: ['github-action'] })
    const got = await getJson<Wire & Record<string, unknown>>(emu, `${ORG}/sessions/${own}`)
    expect(got).toMatchObject({
      session_id: own,
      tags: [],
      origin: 'webapp',
      status: 'running',
      status_detail: 'finished',
      service_user_id: null
    })
    expect(emu.sessionUrl(own)).toBe(`https://app.devin.ai/sessions/${own}`)
    const byTag = await getJson<Page<Wire>>(emu, `${ORG}/sessions?tags=github-action`)
    expect(byTag.items.map((s) => s.session_id)).toEqual([tagged])
    const all = await getJson<Page<Wire>>(emu, `${ORG}/sessions`)
    expect(all.items.map((s) => s.session_id)).toEqual([tagged, own])
    expect(violations(emu)).toEqual([])
  })

  it('of another organization: 404 on every session route here, and never listed', async () => {
    const emu = await devin()
    const foreign = emu.seedOwnSession({ orgId: 'org-elsewhere' })
    const path = `${ORG}/sessions/${foreign}`
    expect((await call(emu, path)).status).toBe(404)
    expect((await call(emu, `${path}/messages`)).status).toBe(404)
    expect((await post(emu, `${path}/messages`, { message: 'hi' })).status).toBe(404)
    const all = await getJson<Page<Wire>>(emu, `${ORG}/sessions`)
    expect(all.items).toEqual([])
    expect(emu.sessions.get(foreign)?.messages).toHaveLength(1)
    // The other organization's own path is a 403 for this key, as for any foreign org.
    expect((await call(emu, `/v3/organizations/org-elsewhere/sessions/${foreign}`)).status).toBe(
      403
    )
  })
})
