/**
 * The entry of `mode: sync`: resolve the organization, sync the repository's sessions, and tell
 * what was done (outputs, job summary, log), all through the egress gate.
 */
import type { Credentials } from '../credentials/read.js'
import type { DevinClient } from '../devin/client.js'
import { createDevinClient } from '../devin/factory.js'
import { commentBody } from '../egress/comment.js'
import type { GitHubApi } from '../github/client.js'
import { renderCheck } from '../report/check.js'
import { renderComment } from '../report/render.js'
import { requireApiKey, type Inputs } from '../run/inputs.js'
import { decodeState } from '../state/marker.js'
import { screenForDevin } from '../egress/devin.js'
import type { LinkHosts } from '../egress/markdown.js'
import { setOutputs, writeSummary } from '../egress/step.js'
import { screenDevinWords } from '../egress/words.js'
import { scrubCredentialShapes } from '../hygiene/scrub.js'
import type { SecretScan } from '../hygiene/secret-screen.js'
import type { Log } from '../hygiene/log.js'
import type { RunContext } from '../run/context.js'
import type { ScreenTags, SyncDevin, SyncGitHub, SyncRender } from './ports.js'
import { renderSyncSummary } from './summary.js'
import { syncSessions, type SyncResult } from './sync.js'

export interface SyncRunOptions {
  devin: SyncDevin & Pick<DevinClient, 'resolveOrgId'>
  github: SyncGitHub
  render: SyncRender
  /** The `org-id` input: empty asks Devin (`GET /v3/self`). */
  orgId: string
  ctx: Pick<RunContext, 'owner' | 'repo'>
  links: LinkHosts
  scrub: (text: string) => string
  log: Log
  clock?: () => number
  /** The `secret-scan` input: the tags sent back pass the same screen as every request. */
  secretScan?: SecretScan
}

export async function syncRepository(o: SyncRunOptions): Promise<SyncResult> {
  const orgId = await o.devin.resolveOrgId(o.orgId)
  const slug = `${o.ctx.owner}/${o.ctx.repo}`
  const screenTags: ScreenTags = async (tags) =>
    (await screenForDevin(tags, { mode: o.secretScan ?? 'redact', log: o.log, what: 'tags' })).value
  const result = await syncSessions({
    devin: o.devin,
    github: o.github,
    render: o.render,
    screenTags,
    clean: (text) => screenDevinWords(scrubCredentialShapes(o.scrub(text)), o.log),
    orgId,
    slug,
    clock: o.clock ?? Date.now,
    log: o.log
  })
  o.log.info(
    `Synced ${slug}: ${result.listed} listed, ${result.live} live, ${result.changed} changed, ` +
      `${result.synced} written${result.failed > 0 ? `, ${result.failed} left for the next sync` : ''}.`
  )
  setOutputs({ synced: String(result.synced), result: '' }, o.scrub)
  await writeSummary(renderSyncSummary(result, o.links), o.scrub)
  return result
}

/**
 * `mode: sync` from the pipeline (src/main.ts): the real clients and renderers bound to the
 * engine. Every comment body and check summary is rendered by the handoff's own renderers and
 * passes the same gate.
 */
export async function syncMode(o: {
  credentials: Credentials
  github: () => Promise<GitHubApi>
  inputs: Inputs
  ctx: RunContext
  links: LinkHosts
  scrub: (text: string) => string
  log: Log
}): Promise<void> {
  requireApiKey(o.credentials.hasDevinKey)
  const { links, scrub } = o
  const devin = createDevinClient(o.credentials, { apiUrl: o.inputs.apiUrl, log: o.log })
  const render: SyncRender = {
    comment: (r) => commentBody(renderComment(r, links, scrub), scrub),
    check: (r) => {
      const text = renderCheck(r, links)
      return { ...text, summary: commentBody(text.summary, scrub) }
    },
    decode: decodeState
  }
  try {
    const github = await o.github()
    const { orgId, secretScan } = o.inputs
    await syncRepository({ ...o, devin, github, render, orgId, secretScan })
  } finally {
    await devin.close()
  }
}
