import { describe, expect, it } from 'vitest'
import type { ForDevin } from '../../../src/egress/devin.ts'
import { recordShown, tagsAfter } from '../../../src/report/tracking.ts'
import type { Report } from '../../../src/state/run-state.ts'

const slug = 'octo/repo'
const base = ['github-action', 'gh:octo/repo#3:default', 'gh:octo/repo', 'gh:octo/repo#3']

function report(status: string, detail: string, prs: string[] = []): Report {
  return {
    phase: 'ended',
    slug,
    startedAt: 0,
    updatedAt: 0,
    runUrl: '',
    commentKey: 'default',
    timeline: [],
    attachments: [],
    session: { id: 'devin-1', url: 'u', status, detail, pullRequests: prs }
  }
}

describe('tagsAfter', () => {
  it('keeps a working session in the live index with what was shown', () => {
    expect(
      tagsAfter(report('running', 'working'), [...base, 'gh-live:octo/repo'], slug, {
        commentId: 9
      })
    ).toEqual([...base, 'gh-live:octo/repo', 'gh-shown:running/working/0', 'gh-comment:9'])
  })

  it('takes an ended session out of the live index, and keeps one that may go on', () => {
    const live = [...base, 'gh-live:octo/repo']
    const shown = { commentId: 9, checkId: 4 }
    expect(tagsAfter(report('exit', '', ['p']), live, slug, shown)).toEqual([
      ...base,
      'gh-shown:exit/-/1',
      'gh-comment:9',
      'gh-check:4'
    ])
    expect(tagsAfter(report('suspended', 'inactivity'), live, slug, shown)).not.toContain(
      'gh-live:octo/repo'
    )
    // Finished or asking: an answer in Devin's app sets it working again, and a sync shows that.
    for (const detail of ['finished', 'waiting_for_user'])
      expect(tagsAfter(report('running', detail), live, slug, shown)).toContain('gh-live:octo/repo')
  })

  it('leaves alone a session that nothing shows and that was never live', () => {
    expect(tagsAfter(report('running', 'working'), base, slug, {})).toBeUndefined()
    // Tagged live at create, but the comment was never written: out of the index.
    expect(
      tagsAfter(report('running', 'working'), [...base, 'gh-live:octo/repo'], slug, {})
    ).toEqual([...base, 'gh-shown:running/working/0'])
  })
})

describe('recordShown', () => {
  const silent = { warning: () => undefined }

  it('sends the tags once, and nothing when they already say it', async () => {
    const sent: string[][] = []
    const devin = {
      replaceTags: async (_o: string, _id: string, t: ForDevin<string[]>) => sent.push([...t])
    }
    const o = {
      devin,
      orgId: 'org-1',
      slug,
      report: report('exit', ''),
      shown: { commentId: 9 },
      log: silent
    }
    await recordShown({ ...o, tags: [...base, 'gh-live:octo/repo'] })
    expect(sent).toEqual([[...base, 'gh-shown:exit/-/0', 'gh-comment:9']])
    await recordShown({ ...o, tags: sent[0] as string[] })
    expect(sent).toHaveLength(1)
  })

  it('warns and goes on when Devin refuses the tags', async () => {
    const warned: string[] = []
    const devin = {
      replaceTags: async () => {
        throw new Error('Devin API PUT …/tags failed: 422 too many tags')
      }
    }
    await recordShown({
      devin,
      orgId: 'org-1',
      slug,
      report: report('running', 'working'),
      tags: base,
      shown: { commentId: 9 },
      log: { warning: (m) => warned.push(m) }
    })
    expect(warned).toEqual([
      'Could not record on the Devin session where it is shown: Devin API PUT …/tags failed: 422 too many tags'
    ])
  })
})
