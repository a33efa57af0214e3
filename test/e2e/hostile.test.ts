/**
 * One hostile pull request with every kind of attack planted at once: workflow commands,
 * Markdown, HTML, links, @mentions and credentials in the title, body, branch name, file names,
 * diff, a trigger comment and the task file; hostile answers from Devin (status detail, title,
 * PR URLs, messages, attachment names, structured output, a foreign session host); sizes over
 * the runner's and GitHub's limits. The built action runs against it end to end, and what it
 * wrote is replayed as the runner parses it (test/helpers/runner-commands.ts) and rendered as
 * GitHub renders Markdown (test/helpers/markdown.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueCommentPayload } from '../helpers/events.ts'
import { ALNUM, BASE64, pemBlock, seededRandom } from '../helpers/fake-secrets.ts'
import { renderGfm, renderedUrls } from '../helpers/markdown.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { foreignCommands, runnerCommands } from '../helpers/runner-commands.ts'
import {
  API_KEY,
  DEFAULT_BASE,
  GITHUB_TOKEN,
  everything,
  prScenario,
  type PrScenario
} from '../helpers/scenario.ts'

const rand = seededRandom(31337)
const MARK = 'HACKED'

/** Lines the runner would run; stop-commands last, since nothing after it would count. */
const COMMANDS = [
  `::set-env name=${MARK}::1`,
  `::add-mask::${MARK}`,
  `  ::error title=${MARK}::boom`,
  `text ##[set-output name=${MARK}]x`,
  `::stop-commands::${MARK}`
].join('\n')

const MARKDOWN =
  '[click](https://evil.example/a) ![img](https://evil.example/i.png) ' +
  '<img src="https://evil.example/h.png"> <a href="https://evil.example/x">x</a> ' +
  'https://evil.example/auto www.evil.example @octocat'

// Credentials exist only at run time, so this file holds none.
const SECRET = {
  title: `ghp_${rand(36, ALNUM)}`,
  body: `npm_${rand(36, ALNUM)}`,
  branch: `ghp_${rand(36, ALNUM)}`,
  diff: `ghp_${rand(36, ALNUM)}`,
  comment: `ghp_${rand(36, ALNUM)}`,
  task: `ghp_${rand(36, ALNUM)}`,
  /** Not credential-shaped: only leaving `*.env` files out keeps it in. */
  envFile: `envsecret${rand(24, ALNUM)}`
}

/** A private key whose change is near its end: the hunk shows the body and END, not BEGIN. */
const KEY_BODY = rand(64 * 24, BASE64)
const KEY_BASE = pemBlock('RSA', KEY_BODY)
const keyLines = KEY_BASE.split('\n')
const KEY_HEAD = [...keyLines.slice(0, 20), rand(64, BASE64), ...keyLines.slice(21)].join('\n')
const KEY_LINE_SHOWN = keyLines[22] as string

/** Over 1 MiB of three-byte characters: a cut by characters would still be three times over. */
const BIG_TASK = `${COMMANDS}\n${MARKDOWN}\n${SECRET.task}\n${'€'.repeat(400_000)}\n`

// The credential early: a session title keeps only the first 100 characters.
const TITLE = `::error title=${MARK}::x ${SECRET.title} ${MARKDOWN}`
const BODY = `Body\n${COMMANDS}\n${MARKDOWN}\n### Forged heading\n${SECRET.body}\n`
const BRANCH = `fix/${SECRET.branch}`

/** What Devin answers: commands, Markdown and a title far over GitHub's comment limit. */
const HUGE_TITLE = `${MARKDOWN} ${'😀'.repeat(40_000)}`
const DEVIN_STEPS = [
  {
    status: 'running',
    status_detail: 'working',
    title: HUGE_TITLE,
    acus_consumed: 1,
    messages: [{ message: `${COMMANDS}\n${MARKDOWN}`, source: 'devin' }],
    pull_requests: [
      { pr_url: 'https://evil.example/pr/1\n### Forged', pr_state: 'open' },
      { pr_url: 'https://github.com/acme/widgets/pull/9', pr_state: 'open' },
      { pr_url: 'javascript:alert(1)', pr_state: 'open' }
    ]
  },
  { status: 'running', status_detail: `::error title=${MARK}::detail ${MARKDOWN}` },
  {
    status: 'exit',
    structured_output: { note: `</details><img src="https://evil.example/so.png"> ${MARKDOWN}` },
    attachments: [
      { name: `::set-env name=${MARK}::1.txt`, content: 'a' },
      { name: '[x](https://evil.example).md', content: 'b' }
    ]
  }
]

const EXPECTED_HOSTS = new Set(['github.com', 'app.devin.ai'])

let s: PrScenario
const results: Record<string, ActionResult> = {}

beforeAll(async () => {
  s = await prScenario({
    title: TITLE,
    body: BODY,
    base: { ...DEFAULT_BASE, 'docs/notes.txt': `${KEY_BASE}\n` },
    head: {
      [`docs/##[error]${MARK} [x](https:/evil.example) @octocat.md`]: 'hostile name\n',
      'deploy/prod.env': `DB_PASSWORD=${SECRET.envFile}\n`,
      'docs/notes.txt': `${KEY_HEAD}\n`,
      'src/hostile.ts': `${COMMANDS}\n// ${MARKDOWN}\nexport const token = '${SECRET.diff}'\n`,
      '.github/devin-task.md': BIG_TASK
    },
    checkout: { headRef: BRANCH },
    // Devin's web app answering on a host nobody expects: its links are shown, not followed.
    devin: { webUrl: 'https://evil.example' }
  })
  results.dry = await s.run({
    prompt: '',
    'prompt-file': '.github/devin-task.md',
    'dry-run': 'true'
  })
  s.devin.script(DEVIN_STEPS)
  // A hostile status_detail is off the documented list on purpose.
  s.devin.expectViolation(/status_detail is "::error title=HACKED::/)
  results.wait = await s.run({ wait: 'true', 'poll-interval': '1' })
  results.comment = await s.run(
    { 'dry-run': 'true', 'trigger-phrase': '/devin' },
    {
      eventName: 'issue_comment',
      payload: issueCommentPayload(
        { number: 7, isPull: true, title: TITLE },
        { body: `/devin please\n${COMMANDS}\n${MARKDOWN}\n${SECRET.comment}`, commenter: 'alice' }
      )
    }
  )
}, 240_000)

afterAll(async () => {
  await s?.close()
})

/** Every comment body the action sent (each create and edit), as GitHub received it. */
function commentBodies(): string[] {
  return s.github.requests
    .filter((q) => (q.method === 'POST' || q.method === 'PATCH') && /\/comments/.test(q.path))
    .map((q) => String((q.json as { body?: unknown } | undefined)?.body ?? ''))
    .filter((b) => b !== '')
}

/** Every check run text the action sent (each create and edit): its title and summary. */
function checkOutputs(): Array<{ title: string; summary: string }> {
  return s.github.requests
    .filter((q) => (q.method === 'POST' || q.method === 'PATCH') && /\/check-runs/.test(q.path))
    .flatMap((q) => {
      const out = (q.json as { output?: { title?: string; summary?: string } } | undefined)?.output
      return out ? [{ title: String(out.title ?? ''), summary: String(out.summary ?? '') }] : []
    })
}

/** @mentions GitHub would notify: in rendered text, outside code. */
function mentions(html: string): string[] {
  const text = html.replace(/<pre>[\s\S]*?<\/pre>|<code>[\s\S]*?<\/code>/g, '')
  return text.match(/(?<![\w`])@[A-Za-z0-9][\w-]*/g) ?? []
}

function expectSafeMarkdown(markdown: string, headings: number): void {
  const html = renderGfm(markdown)
  const foreign = renderedUrls(html).filter((u) => {
    try {
      return new URL(u).protocol !== 'https:' || !EXPECTED_HOSTS.has(new URL(u).host)
    } catch {
      return true
    }
  })
  expect(foreign).toEqual([])
  expect(html).not.toMatch(/<img|<a (?!href="https:\/\/(github\.com|app\.devin\.ai)\/)/)
  expect(html.match(/<h\d>/g) ?? []).toHaveLength(headings)
  expect(mentions(html)).toEqual([])
}

describe('a hostile pull request, end to end', () => {
  it('ran each time (the attacks were really in play)', () => {
    expect(results.dry?.outputs.result).toBe('dry-run')
    expect(results.wait?.outputs.result).toBe('finished')
    expect(results.comment?.outputs.result).toBe('dry-run')
    // The prompt was printed and Devin's hostile answers were read.
    expect(results.dry?.stdout).toContain('€€€')
    expect(results.wait?.stdout).toContain('evil.example/a')
    expect(commentBodies().length).toBeGreaterThan(1)
  })

  it('issues no workflow command the action did not write, in any run', () => {
    for (const [name, r] of Object.entries(results)) {
      // The runner reads commands from both streams.
      for (const out of [r.stdout, r.stderr]) {
        const foreign = foreignCommands(runnerCommands(out), MARK, [API_KEY, GITHUB_TOKEN])
        expect(foreign, name).toEqual([])
      }
    }
  })

  it('lets no planted credential leave: log, outputs, summary, comments, Devin requests', () => {
    const all = everything(s, Object.values(results))
    const planted = { ...SECRET, keyBody: KEY_LINE_SHOWN }
    const leaked = Object.entries(planted).filter(([, value]) => all.includes(value))
    expect(leaked.map(([where]) => where)).toEqual([])
  })

  it('puts no foreign link, image, HTML, forged heading or mention in a comment, check run or summary', () => {
    const bodies = commentBodies()
    // The comment opens with a bold headline, not a heading: any heading in it is forged.
    for (const body of bodies) expectSafeMarkdown(body, 0)
    // The waiting run showed a check run too (status-check: auto); its summary is the comment's.
    const checks = checkOutputs()
    expect(checks.length).toBeGreaterThan(0)
    for (const c of checks) {
      expectSafeMarkdown(c.summary, 0)
      // GitHub shows the title as plain text: one line of the action's own words and numbers.
      expect(c.title).not.toMatch(/\n|evil\.example|HACKED|@octocat/)
    }
    for (const r of Object.values(results)) expectSafeMarkdown(r.summary, 1)
  })

  it('keeps every comment and summary within its limit, without splitting a character', () => {
    const bodies = commentBodies()
    // The cap was needed: Devin's 40,000-emoji title alone is 80,000 UTF-16 units.
    const cut = bodies.filter((b) => b.includes('cut to fit GitHub’s size limit'))
    expect(cut.length).toBeGreaterThan(0)
    for (const body of bodies) {
      expect(body.length).toBeLessThanOrEqual(65_536)
      expect(body).not.toMatch(/\p{Cs}/u)
    }
    for (const c of checkOutputs()) {
      expect(c.summary.length).toBeLessThanOrEqual(65_535)
      expect(Buffer.byteLength(c.summary)).toBeLessThanOrEqual(65_535)
      expect(c.summary).not.toMatch(/\p{Cs}/u)
    }
    expect(Buffer.byteLength(results.dry?.summary ?? '')).toBeGreaterThan(900_000) // and here
    for (const r of Object.values(results)) {
      expect(Buffer.byteLength(r.summary)).toBeLessThanOrEqual(1024 * 1024)
      expect(r.summary).not.toContain('\ufffd')
    }
  })
})
