/**
 * A conversation on the PR (issue 15), end to end: the built action against the emulators, over
 * several runs of one PR. An answer (`/devin …`) reaches the session that asked, as a message and
 * never a create, whatever `reuse-session` says; with no session waiting, the comment creates or
 * reuses as configured. A PR Devin's GitHub App opened and linked to a session of this organization
 * gets its handoffs in that session; a human's link, another organization's session, or a comment
 * Devin's App already delivers is not followed. A push after a handoff sends the live session only
 * the new commits; a force-push sends the whole change again and says why. A CI failure with
 * `reuse-session` goes to the live session as a message with its logs as `attachment_urls`.
 *
 * What is asserted is what reached Devin and GitHub (requests, bodies, the emulators' records),
 * not the report's prose, except where the design fixes the words.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { stateOf } from '../helpers/comment.ts'
import {
  DEVIN_APP,
  PR,
  SLUG,
  actionComments,
  actionSent,
  asDevinPr,
  ciFailure,
  commentOf,
  creates,
  devinWrites,
  getsOf,
  handedOff,
  messages,
  type DevinPrOptions
} from '../helpers/conversation.ts'
import { fileListOf, hunksOf } from '../helpers/events.ts'
import { ALNUM, seededRandom } from '../helpers/fake-secrets.ts'
import { renderedText } from '../helpers/markdown.ts'
import { commentOnPr, prWorkspace, pushToPr } from '../helpers/pr-updates.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { foreignCommands, runnerCommands } from '../helpers/runner-commands.ts'
import {
  API_KEY,
  GITHUB_TOKEN,
  everything,
  prScenario,
  type PrScenario,
  type PrScenarioOptions
} from '../helpers/scenario.ts'
import { scratchSpace } from '../helpers/scratch.ts'

const space = scratchSpace('devin-handoff-conversation-')
const COMMENT = { 'trigger-phrase': '/devin' }
const REUSE = { 'reuse-session': 'true' }
const QUESTION = 'Should mul accept bigint too, or number only?'
const MARK = 'PWNED'

// Assembled at run time: this file holds no token-shaped literal.
const rand = seededRandom(150_015)
const PLANTED = `ghp_${rand(36, ALNUM)}`

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

async function scenario(o: PrScenarioOptions = {}): Promise<PrScenario> {
  s = await prScenario(o)
  return s
}

function ok(r: ActionResult): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.commands.filter((c) => c.command === 'error')).toEqual([])
}

const short = (sha: string): string => sha.slice(0, 7)

/** The session the first run created, made to wait for an answer to Devin's question. */
async function askedSession(
  sc: PrScenario,
  detail = 'waiting_for_user',
  inputs: Record<string, string> = {}
): Promise<string> {
  const first = await sc.run(inputs)
  ok(first)
  const id = first.outputs['session-id'] ?? ''
  expect(id).toMatch(/^devin-/)
  sc.devin.setSession(id, {
    status: 'running',
    status_detail: detail,
    messages: [{ message: QUESTION }]
  })
  return id
}

// ---------------------------------------------------------------------------------------------

describe('an answer on the PR', () => {
  it.each(['waiting_for_user', 'waiting_for_approval'])(
    'goes to the session %s as a message, with no create, whatever reuse-session says',
    async (detail) => {
      const sc = await scenario()
      const asked = await askedSession(sc, detail)
      const from = sc.devin.requests.length
      const ev = commentOnPr(sc, '/devin Number only; keep the signature as it is.')
      const r = await ev.run(COMMENT) // reuse-session: false (the default)
      ok(r)
      expect(r.outputs.result, r.stdout).toBe('reused')
      expect(r.outputs['session-id']).toBe(asked)
      expect(creates(sc, from)).toEqual([])
      expect(sc.devin.createCount).toBe(1)

      const sent = messages(sc, from)
      expect(sent).toHaveLength(1)
      const [answer] = sent
      expect(answer?.sessionId).toBe(asked)
      // Who answered and where, then the answer as written after the phrase; nothing packed.
      expect(answer?.message).toMatch(
        new RegExp(
          `^@alice answered on the pull request \\(https://github\\.com/${SLUG}/pull/${PR}[^)\\s]*\\):\\n\\nNumber only; keep the signature as it is\\.`
        )
      )
      expect(answer?.message).not.toContain('## Changed files')
      expect(answer?.message).not.toContain('export function mul')
      expect(answer?.attachment_urls ?? null).toBeNull()
      expect(sc.devin.sessions.get(asked)?.messages.at(-1)).toMatchObject({ source: 'user' })

      // The asking key's comment says the answer arrived, and who gave it; no second comment.
      expect(actionComments(sc)).toHaveLength(1)
      const body = commentOf(sc, 'default')?.body ?? ''
      expect(stateOf(body)).toMatch(/Answer delivered/)
      expect(renderedText(body)).toMatch(/Answered by @alice/)
      expect(body).not.toMatch(/@alice/) // named, not notified
      const reactions = sc.github.reactions.filter((x) => x.commentId === ev.commentId)
      expect(reactions.map((x) => x.content)).toEqual(['eyes', 'rocket'])
    }
  )

  it('updates the comment of the key that asked, not the key of the answering run', async () => {
    const sc = await scenario()
    const asked = await askedSession(sc, 'waiting_for_user', { 'comment-key': 'review' })
    const r = await commentOnPr(sc, '/devin Number only.').run(COMMENT)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    expect(messages(sc).map((m) => m.sessionId)).toEqual([asked])
    expect(actionComments(sc)).toHaveLength(1)
    expect(stateOf(commentOf(sc, 'review')?.body ?? '')).toMatch(/Answer delivered/)
    expect(commentOf(sc, 'default')).toBeUndefined()
  })

  it("keeps what the asking key's comment remembers, whatever the answering key remembers", async () => {
    const sc = await scenario()
    const head = sc.checkout.headSha
    const fix = await askedSession(sc, 'waiting_for_user', { ...REUSE, 'comment-key': 'fix' })
    const chat = await sc.run({ ...REUSE, 'comment-key': 'chat' })
    ok(chat)
    const chatId = chat.outputs['session-id'] ?? ''
    expect(chatId).not.toBe(fix)
    expect(handedOff(sc, 'fix')).toEqual({ sessionId: fix, headSha: head })
    expect(handedOff(sc, 'chat')).toEqual({ sessionId: chatId, headSha: head })
    // The answering run (key chat, reuse + incremental) reads its own comment before packing.
    const r = await commentOnPr(sc, '/devin Number only.').run({
      ...COMMENT,
      ...REUSE,
      'comment-key': 'chat'
    })
    ok(r)
    expect(messages(sc).map((m) => m.sessionId)).toEqual([fix])
    expect(stateOf(commentOf(sc, 'fix')?.body ?? '')).toMatch(/Answer delivered/)
    // The answer sent no change: each comment still names its own session.
    expect(handedOff(sc, 'fix')).toEqual({ sessionId: fix, headSha: head })
    expect(handedOff(sc, 'chat')).toEqual({ sessionId: chatId, headSha: head })
  })

  it('carries workflow commands and a credential in the answer as inert, redacted text', async () => {
    const sc = await scenario()
    const asked = await askedSession(sc)
    const hostile = [
      '/devin Number only.',
      `::set-output name=${MARK}::1`,
      `::add-mask::${MARK}`,
      `  ::error title=${MARK}::boom`,
      `##[set-output name=${MARK}]x`,
      `my token is ${PLANTED}`
    ].join('\n')
    const r = await commentOnPr(sc, hostile).run(COMMENT)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    const [answer] = messages(sc)
    expect(answer?.sessionId).toBe(asked)
    // The answer still arrives, its credential replaced; the command lines are plain text to Devin.
    expect(answer?.message).toContain('Number only.')
    expect(answer?.message).toContain('[REDACTED')
    expect(answer?.message).not.toContain(PLANTED)
    expect(actionSent(sc, [r])).not.toContain(PLANTED)
    // The runner ran nothing the action did not write: no output, mask or annotation of theirs.
    for (const out of [r.stdout, r.stderr])
      expect(foreignCommands(runnerCommands(out), MARK, [API_KEY, GITHUB_TOKEN])).toEqual([])
    expect(Object.keys(r.outputs)).not.toContain(MARK)
    expect(JSON.stringify(r.outputs)).not.toContain(MARK)
  })

  it('is not sent to a session of another PR that waits', async () => {
    const sc = await scenario()
    const other = sc.devin.seedSession(
      { prompt: 'earlier', tags: ['github-action', `gh:${SLUG}#8`, `gh:${SLUG}#8:default`] },
      { status: 'running', status_detail: 'waiting_for_user', messages: [{ message: QUESTION }] }
    )
    const r = await commentOnPr(sc, '/devin Number only.').run(COMMENT)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(messages(sc)).toEqual([])
    expect(sc.devin.sessions.get(other)?.messages).toHaveLength(2)
  })
})

describe('the same comment when no session waits', () => {
  it('creates a session without reuse-session, with the comment as the request', async () => {
    const sc = await scenario()
    const first = await sc.run() // running, working: not waiting for anyone
    ok(first)
    const from = sc.devin.requests.length
    const r = await commentOnPr(sc, '/devin Number only.').run(COMMENT)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(r.outputs['session-id']).not.toBe(first.outputs['session-id'])
    expect(messages(sc)).toEqual([])
    const [create] = creates(sc, from)
    expect((create?.json as { prompt: string }).prompt).toContain('Number only.')
  })

  it('sends a follow-up with the change to the live session with reuse-session', async () => {
    const sc = await scenario()
    const first = await sc.run()
    ok(first)
    const r = await commentOnPr(sc, '/devin Number only.').run({ ...COMMENT, ...REUSE })
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    expect(sc.devin.createCount).toBe(1)
    const [sent] = messages(sc)
    expect(sent?.sessionId).toBe(first.outputs['session-id'])
    // A follow-up (the change since the last handoff is the packer's), not an answer.
    expect(sent?.message).not.toMatch(/answered on the pull request/)
    expect(sent?.message).toContain('Number only.')
    expect(stateOf(commentOf(sc, 'default')?.body ?? '')).not.toMatch(/Answer delivered/)
  })

  it('creates for `/devin new`, and for an archived session, even while one waits', async () => {
    const sc = await scenario()
    const asked = await askedSession(sc)
    const fresh = await commentOnPr(sc, '/devin new start over with bigint').run(COMMENT)
    ok(fresh)
    expect(fresh.outputs.result, fresh.stdout).toBe('created')
    expect(messages(sc)).toEqual([])
    sc.devin.setSession(fresh.outputs['session-id'] ?? '', { status: 'exit' })
    sc.devin.setSession(asked, { is_archived: true })
    const r = await commentOnPr(sc, '/devin Number only.').run(COMMENT)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(messages(sc)).toEqual([])
    expect(sc.devin.createCount).toBe(3)
  })
})

// ---------------------------------------------------------------------------------------------

/** A scenario whose PR Devin's GitHub App opened (see asDevinPr), and the session it links. */
async function devinPr(o: DevinPrOptions = {}): Promise<{ sc: PrScenario; own: string }> {
  const sc = await scenario({ author: o.author ?? DEVIN_APP, actor: 'alice' })
  return { sc, own: asDevinPr(sc, o) }
}

describe("Devin's own PR", () => {
  it('gets the handoff in the session that opened it with reuse-session, not in a new one', async () => {
    const { sc, own } = await devinPr()
    // Without reuse-session: a session of its own, as before; the link is not even read.
    const plain = await sc.run()
    ok(plain)
    expect(plain.outputs.result, plain.stdout).toBe('created')
    expect(getsOf(sc, own)).toEqual([])

    const r = await sc.run({ ...REUSE, prompt: 'Also handle NaN.' })
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    expect(r.outputs['session-id']).toBe(own)
    expect(sc.devin.createCount).toBe(1)
    const sent = messages(sc)
    expect(sent.map((m) => m.sessionId)).toEqual([own])
    expect(sent[0]?.message).toContain('Also handle NaN.')
    expect(fileListOf(sent[0]?.message ?? '').join('\n')).toContain('src/math.ts')
    // The thread's own session, live too, got nothing: Devin's PR goes to Devin's session.
    const thread = sc.devin.sessions.get(plain.outputs['session-id'] ?? '')
    expect(thread?.messages).toHaveLength(1)
    // Devin's session joined the thread: the PR's budgets and `mode: sync` find it by its tags.
    const tags = sc.devin.sessions.get(own)?.state.tags ?? []
    for (const tag of [
      'github-action',
      `gh:${SLUG}`,
      `gh:${SLUG}#${PR}`,
      `gh:${SLUG}#${PR}:default`
    ])
      expect(tags).toContain(tag)
  })

  it('a human-authored PR linking a session is not routed there; the link is not read', async () => {
    const { sc, own } = await devinPr({ author: 'alice' })
    const r = await sc.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(r.outputs['session-id']).not.toBe(own)
    expect(messages(sc)).toEqual([])
    expect(getsOf(sc, own)).toEqual([])
    expect(sc.devin.sessions.get(own)?.messages).toHaveLength(1)
  })

  it('a bot other than Devin’s App linking a session is not routed there', async () => {
    const { sc, own } = await devinPr({ author: 'devin-ai-integration-fake[bot]' })
    const r = await sc.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(messages(sc)).toEqual([])
    expect(getsOf(sc, own)).toEqual([])
  })

  it('linking a session of another organization (404 here) is not routed', async () => {
    const { sc, own } = await devinPr({
      seed: (x) => x.devin.seedOwnSession({ orgId: 'org-elsewhere' })
    })
    const r = await sc.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(r.outputs['session-id']).not.toBe(own)
    expect(getsOf(sc, own).map((q) => q.answer)).toEqual([404])
    expect(messages(sc)).toEqual([])
    expect(sc.devin.sessions.get(own)?.messages).toHaveLength(1)
  })

  it('linking a session on a host that is not Devin’s is not followed', async () => {
    const { sc, own } = await devinPr({
      body: (l) => `Link to Devin run: ${l.replace('app.devin.ai', 'app.devin.ai.evil.example')}`
    })
    const r = await sc.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(getsOf(sc, own)).toEqual([])
    expect(messages(sc)).toEqual([])
  })

  it('a comment trigger is skipped while the linked session lives: Devin’s App delivers it', async () => {
    const { sc, own } = await devinPr({ prefixed: true })
    const from = sc.devin.requests.length
    const r = await commentOnPr(sc, '/devin please also handle NaN').run({ ...COMMENT, ...REUSE })
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('skipped')
    expect(r.outputs['skip-reason']).toContain(own)
    expect(r.outputs['skip-reason']).toMatch(/Devin's GitHub App/)
    expect(r.outputs['skip-reason']).toMatch(/not sent twice/)
    expect(devinWrites(sc, from)).toEqual([])
    expect(sc.devin.createCount).toBe(0)
    expect(sc.devin.sessions.get(own)?.messages).toHaveLength(1)
  })

  it('a comment trigger is handled as any other once the linked session is archived', async () => {
    const { sc } = await devinPr({
      seed: (x) => x.devin.seedOwnSession({ state: { status: 'suspended', is_archived: true } })
    })
    const r = await commentOnPr(sc, '/devin please also handle NaN').run(COMMENT)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(messages(sc)).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------

const TESTS = {
  'test/math.test.ts':
    "import { mul } from '../src/math'\n\nif (mul(2, 3) !== 6) throw new Error('mul')\n"
}

describe('a push after a handoff (incremental)', () => {
  it('sends the live session only the new commit’s change, and remembers the new head', async () => {
    const sc = await scenario()
    const first = await sc.run(REUSE)
    ok(first)
    expect(first.outputs.result, first.stdout).toBe('created')
    const id = first.outputs['session-id'] ?? ''
    expect(handedOff(sc)).toEqual({ sessionId: id, headSha: sc.checkout.headSha })

    const push = pushToPr(sc, TESTS)
    const r = await push.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    expect(sc.devin.createCount).toBe(1)
    const [sent] = messages(sc)
    expect(sent?.sessionId).toBe(id)
    const message = sent?.message ?? ''
    expect(message).toContain(`${short(sc.checkout.headSha)}..${short(push.headSha)}`)
    const files = fileListOf(message)
    expect(files).toHaveLength(1)
    expect(files[0]).toContain('test/math.test.ts')
    expect(hunksOf(message)).toContain("+if (mul(2, 3) !== 6) throw new Error('mul')")
    // The change the session already has is not sent again.
    expect(message).not.toContain('src/math.ts')
    expect(message).not.toContain('export function mul')
    expect(handedOff(sc)).toEqual({ sessionId: id, headSha: push.headSha })

    // The same head again (a re-run): nothing new to send, and the message says so.
    const again = await push.run(REUSE, { workspace: prWorkspace(sc.checkout, push.mergeSha) })
    ok(again)
    expect(again.outputs.result, again.stdout).toBe('reused')
    const [, rerun] = messages(sc)
    expect(rerun?.message).toMatch(/no new commits since the last handoff/i)
    expect(fileListOf(rerun?.message ?? '')).toEqual([])
  })

  it('falls back to the whole change after a force-push, and says why', async () => {
    const sc = await scenario()
    const first = await sc.run(REUSE)
    ok(first)
    const id = first.outputs['session-id'] ?? ''
    const rewritten = {
      'src/math.ts':
        'export function add(a: number, b: number): number {\n  return a + b\n}\n\nexport const mul = (a: number, b: number): number => a * b\n',
      ...TESTS
    }
    const push = pushToPr(sc, rewritten, { force: true })
    const r = await push.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    const [sent] = messages(sc)
    expect(sent?.sessionId).toBe(id)
    const message = sent?.message ?? ''
    // Why: the old head is gone from the branch's history.
    expect(message).toContain(short(sc.checkout.headSha))
    expect(message).toMatch(/force-push|rebase/i)
    const files = fileListOf(message).join('\n')
    expect(files).toContain('src/math.ts')
    expect(files).toContain('test/math.test.ts')
    expect(hunksOf(message)).toContain(
      '+export const mul = (a: number, b: number): number => a * b'
    )
    expect(message).not.toContain(`${short(sc.checkout.headSha)}..${short(push.headSha)}`)
    expect(handedOff(sc)).toEqual({ sessionId: id, headSha: push.headSha })
  })

  it('with incremental: false sends the whole change on every push', async () => {
    const sc = await scenario()
    ok(await sc.run(REUSE))
    const push = pushToPr(sc, TESTS)
    const r = await push.run({ ...REUSE, incremental: 'false' })
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    const [sent] = messages(sc)
    const files = fileListOf(sent?.message ?? '').join('\n')
    expect(files).toContain('src/math.ts')
    expect(files).toContain('test/math.test.ts')
    expect(sent?.message).not.toMatch(/since the last handoff/i)
  })

  it('sends a new session the whole change, whatever the comment remembers', async () => {
    const sc = await scenario()
    const first = await sc.run(REUSE)
    ok(first)
    sc.devin.setSession(first.outputs['session-id'] ?? '', { status: 'exit' })
    const push = pushToPr(sc, TESTS)
    const r = await push.run(REUSE)
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('created')
    expect(messages(sc)).toEqual([])
    const prompt = (creates(sc).at(-1)?.json as { prompt: string }).prompt
    const files = fileListOf(prompt).join('\n')
    expect(files).toContain('src/math.ts')
    expect(files).toContain('test/math.test.ts')
    expect(handedOff(sc).sessionId).toBe(r.outputs['session-id'])
  })
})

// ---------------------------------------------------------------------------------------------

describe('a CI failure with reuse-session', () => {
  it('goes to the live session as a message with the logs as attachment_urls, once', async () => {
    const sc = await scenario()
    const first = await sc.run()
    ok(first)
    const id = first.outputs['session-id'] ?? ''
    const r = await sc.run(
      REUSE,
      ciFailure(sc, 501, { workspace: space.scratch(), secret: PLANTED })
    )
    ok(r)
    expect(r.outputs.result, r.stdout).toBe('reused')
    expect(r.outputs['session-id']).toBe(id)
    expect(sc.devin.createCount).toBe(1)

    const uploads = sc.devin.uploads.all
    expect(uploads).toHaveLength(1)
    const urls = uploads.map((u) => u.url)
    const [sent] = messages(sc)
    expect(sent?.sessionId).toBe(id)
    expect(sent?.attachment_urls).toEqual(urls)
    expect(sent?.message).toContain(`https://github.com/${SLUG}/actions/runs/501`)
    const session = sc.devin.sessions.get(id)
    expect(session?.messages.at(-1)?.attachmentUrls).toEqual(urls)
    // The uploads were screened before they went, and are the session's now.
    expect(uploads[0]?.content.toString('utf8')).toContain('[REDACTED')
    expect(session?.attachments.map((a) => a.name)).toEqual(uploads.map((u) => u.name))
    expect(everything(sc, [first, r])).not.toContain(PLANTED)
    // The session carries the failure's tag: a re-run of the workflow on this commit finds it.
    expect(session?.state.tags.some((t) => t.startsWith(`gh-ci:${SLUG}@`))).toBe(true)
    expect(session?.state.tags).toContain('github-action')

    const from = sc.devin.requests.length
    const rerun = await sc.run(
      REUSE,
      ciFailure(sc, 502, { workspace: space.scratch(), secret: PLANTED })
    )
    ok(rerun)
    expect(rerun.outputs.result, rerun.stdout).toBe('skipped')
    expect(rerun.outputs['skip-reason']).toMatch(/^already handed off:/)
    expect(devinWrites(sc, from)).toEqual([])
  })
})
