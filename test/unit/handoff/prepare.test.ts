import { afterEach, describe, expect, it } from 'vitest'
import { prepareHandoff } from '../../../src/handoff/prepare.ts'
import { readInputs } from '../../../src/run/inputs.ts'
import { SecretsFoundError } from '../../../src/handoff/pack.ts'
import type { RunContext } from '../../../src/run/context.ts'
import type { Target } from '../../../src/run/target.ts'
import { makeLocalRepo, type LocalRepo } from '../../helpers/checkout.ts'
import { ALNUM, seededRandom } from '../../helpers/fake-secrets.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

// Assembled at run time so this file holds no token-shaped literal.
const token = (n: number): string =>
  ['gh', 'p_', Array.from({ length: 36 }, (_, i) => 'aB3dE6gH9k'[(i * n) % 10]).join('')].join('')
const IN_BODY = token(3)
const IN_DIFF = token(7)

function fixture(): { repo: LocalRepo; ctx: RunContext; target: Target } {
  const repo = makeLocalRepo([{ 'a.txt': 'a\n' }, { 'config.txt': `token = ${IN_DIFF}\n` }])
  cleanups.push(() => repo.cleanup())
  const ctx: RunContext = {
    eventName: 'pull_request',
    payload: {},
    owner: 'o',
    repo: 'r',
    sha: repo.shas[1] ?? '',
    ref: 'refs/pull/1/merge',
    actor: 'a',
    triggeringActor: 'a',
    workspace: repo.workspace,
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '',
    runAttempt: '1',
    runNumber: '1',
    workflow: 'w',
    job: 'j',
    runUrl: ''
  }
  const target: Target = {
    owner: 'o',
    repo: 'r',
    slug: 'o/r',
    eventName: 'pull_request',
    headRef: 'feature',
    headSha: repo.shas[1] ?? '',
    baseRef: 'main',
    baseSha: repo.shas[0] ?? '',
    pr: {
      number: 1,
      url: 'https://github.com/o/r/pull/1',
      title: 'Config',
      body: `Use ${IN_BODY} to test`,
      author: 'a',
      isFork: false,
      headRepo: 'o/r',
      draft: false
    }
  }
  return { repo, ctx, target }
}

async function handoff(secretScan: string) {
  const { repo, ctx, target } = fixture()
  const values: Record<string, string> = {
    'api-key': 'cog_x',
    prompt: 'Review',
    'secret-scan': secretScan
  }
  const inputs = await readInputs((name) => values[name] ?? '', repo.workspace)
  const warnings: string[] = []
  const log = { info: () => {}, debug: () => {}, warning: (m: string) => warnings.push(m) }
  return { run: prepareHandoff({ inputs, ctx, target, log }), warnings }
}

describe('prepareHandoff and credentials', () => {
  it('with secret-scan fail names the places in the PR text and in the diff together', async () => {
    const err = await (await handoff('fail')).run.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SecretsFoundError)
    const e = err as SecretsFoundError
    expect(e.redactions.map((r) => `${r.where} ${r.label}`)).toEqual([
      'PR body:1 GitHub token',
      'config.txt:1 GitHub token'
    ])
    expect(e.message).not.toContain(IN_BODY)
    expect(e.message).not.toContain(IN_DIFF)
  })

  it('with redact lists the PR text redactions in the prompt, matching the summary count', async () => {
    const { run, warnings } = await handoff('redact')
    const h = await run
    expect(h.prompt).not.toContain(IN_BODY)
    expect(h.prompt).not.toContain(IN_DIFF)
    expect(h.summary.redactions).toBe(2)
    expect(h.prompt).toContain('- 2 values that looked like credentials')
    expect(h.prompt).toContain('  - `PR body:1`: GitHub token')
    expect(h.prompt).toContain('  - `config.txt:1`: GitHub token')
    expect(warnings).toHaveLength(2)
  })
})

describe('prepareHandoff and the text outside the diff', () => {
  const rand = seededRandom(9091)
  const planted = {
    branch: `ghp_${rand(36, ALNUM)}`,
    base: `ghp_${rand(36, ALNUM)}`,
    prTitle: `ghp_${rand(36, ALNUM)}`,
    titleInput: `ghp_${rand(36, ALNUM)}`,
    task: `ghp_${rand(36, ALNUM)}`
  }
  const GONE = '[REDACTED: GitHub token]'

  async function prepare(secretScan: string) {
    const { repo, ctx, target } = fixture()
    const values: Record<string, string> = {
      prompt: `Rotate ${planted.task} please\nand more`,
      title: `Deploy ${planted.titleInput}`,
      'secret-scan': secretScan
    }
    const inputs = await readInputs((name) => values[name] ?? '', repo.workspace)
    const raw: Target = {
      ...target,
      headRef: `fix/${planted.branch}`,
      baseRef: `release/${planted.base}`,
      pr: target.pr && { ...target.pr, title: `Use ${planted.prTitle}` }
    }
    const warnings: string[] = []
    const log = { info: () => {}, debug: () => {}, warning: (m: string) => warnings.push(m) }
    return { run: prepareHandoff({ inputs, ctx, target: raw, log }), warnings }
  }

  it('screens the PR title, both branch names, the title input and the task, and hands them on screened', async () => {
    const { run, warnings } = await prepare('redact')
    const h = await run
    expect(h.screened.target.headRef).toBe(`fix/${GONE}`)
    expect(h.screened.target.baseRef).toBe(`release/${GONE}`)
    expect(h.screened.target.pr?.title).toBe(`Use ${GONE}`)
    expect(h.screened.title).toBe(`Deploy ${GONE}`)
    expect(h.screened.task.split('\n')[0]).toBe(`Rotate ${GONE} please`)
    const everything = JSON.stringify(h)
    for (const [where, value] of Object.entries(planted))
      expect(everything.includes(value), where).toBe(false)
    expect(h.prompt).toContain(`- Head: \`fix/${GONE}\``)
    // The packer got the raw target: the diff of commits is there.
    expect(h.summary.source).toBe('git')
    for (const where of ['branch name', 'base branch name', 'title input', 'PR title', 'task'])
      expect(
        warnings.some((w) => w.includes(`in the ${where} (line 1)`)),
        where
      ).toBe(true)
  })

  it('names an unresolved base only as screened in the source note', async () => {
    const { repo, ctx, target } = fixture()
    const inputs = await readInputs((n) => ({ prompt: 'Review' })[n] ?? '', repo.workspace)
    const raw: Target = { ...target, baseRef: `release/${planted.base}`, baseSha: '' }
    const log = { info: () => {}, debug: () => {}, warning: () => {} }
    const h = await prepareHandoff({ inputs, ctx, target: raw, log })
    expect(h.change?.sourceNote).toContain(`the base 'release/${GONE}' could not be resolved`)
    expect(h.prompt).not.toContain(planted.base)
  })

  it('with secret-scan fail names the branch and the title among the places', async () => {
    const err = await (await prepare('fail')).run.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SecretsFoundError)
    const where = (err as SecretsFoundError).redactions.map((r) => r.where)
    expect(where).toEqual(
      expect.arrayContaining(['branch name:1', 'base branch name:1', 'title input:1'])
    )
  })
})
