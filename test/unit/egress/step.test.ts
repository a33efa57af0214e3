import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MAX_SUMMARY_BYTES, saveStepState, writeSummary } from '../../../src/egress/step.ts'

let dir: string
let file: string
const saved = process.env.GITHUB_STEP_SUMMARY

// @actions/core keeps the summary file's path once it has read it: one file for the whole suite.
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'summary-'))
  file = path.join(dir, 'summary.md')
  process.env.GITHUB_STEP_SUMMARY = file
})

beforeEach(() => writeFileSync(file, ''))

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
  else process.env.GITHUB_STEP_SUMMARY = saved
})

describe('writeSummary', () => {
  it('stays under the runner’s 1 MiB by bytes, never cutting a character', async () => {
    // 3 bytes a character: a cut by characters would be three times over.
    await writeSummary('€'.repeat(1_000_000), (t) => t)
    const written = readFileSync(file)
    expect(written.length).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    expect(MAX_SUMMARY_BYTES).toBeLessThan(1024 * 1024)
    expect(written.toString('utf8')).not.toContain('\ufffd')
    expect(written.toString('utf8')).toMatch(/cut to fit the runner’s 1 MiB limit/)
  })

  it('removes credentials', async () => {
    await writeSummary('key cog_abcdefgh1234 and run-secret', (t) => t.replace('run-secret', '***'))
    expect(readFileSync(file, 'utf8')).toBe('key cog_*** and ***')
  })
})

describe('saveStepState', () => {
  it('keeps credentials out of the state file, which stays valid JSON', () => {
    const stateFile = path.join(dir, 'state')
    writeFileSync(stateFile, '')
    const before = process.env.GITHUB_STATE
    process.env.GITHUB_STATE = stateFile
    try {
      const value = JSON.stringify({ error: 'rejected run-secret' })
      saveStepState('k', value, (t) => t.replaceAll('run-secret', '***'))
    } finally {
      if (before === undefined) delete process.env.GITHUB_STATE
      else process.env.GITHUB_STATE = before
    }
    const written = readFileSync(stateFile, 'utf8')
    expect(written).not.toContain('run-secret')
    const json = /^(\{.*\})$/m.exec(written)?.[1] ?? ''
    expect(JSON.parse(json)).toEqual({ error: 'rejected ***' })
  })
})
