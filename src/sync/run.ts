/**
 * The entry of `mode: sync`: resolve the organization, sync the repository's sessions, then its
 * reviews, and tell what was done (outputs, job summary, log), all through the egress gate.
 */
import type { Credentials } from '../credentials/read.js'
import type { DevinClient } from '../devin/client.js'
import { createDevinClient } from '../devin/factory.js'
import type { GitHubApi } from '../github/client.js'
import type { Writer } from '../github/identity.js'
import { requireApiKey, type Inputs } from '../run/inputs.js'
import { screenForDevin } from '../egress/devin.js'
import type { LinkHosts } from '../egress/markdown.js'
import { setOutputs, writeSummary } from '../egress/step.js'
import { screenDevinWords } from '../egress/words.js'
import { scrubCredentialShapes } from '../hygiene/scrub.js'
import type { SecretScan } from '../hygiene/secret-screen.js'
import type { Log } from '../hygiene/log.js'
import type { RunContext } from '../run/context.js'
import type { ReviewSyncDevin, ScreenTags, SyncDevin, SyncGitHub, SyncRender } from './ports.js'
import { reportRender } from './render.js'
import { syncReviews, type ReviewSyncResult } from './reviews.js'
import { renderSyncSummary, syncedLine } from './summary.js'
import { syncSessions, type SyncResult } from './sync.js'

export interface SyncRunOptions {
  devin: SyncDevin & ReviewSyncDevin & Pick<DevinClient, 'resolveOrgId'>
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

export interface RepositorySync {
  sessions: SyncResult
  reviews: ReviewSyncResult
  /** Sessions and reviews whose comment or check run this run changed (the `synced` output). */
  synced: number
}

export async function syncRepository(o: SyncRunOptions): Promise<RepositorySync> {
  const orgId = await o.devin.resolveOrgId(o.orgId)
  const slug = `${o.ctx.owner}/${o.ctx.repo}`
  const screenTags: ScreenTags = async (tags) =>
    (await screenForDevin(tags, { mode: o.secretScan ?? 'redact', log: o.log, what: 'tags' })).value
  let asked: Promise<Writer> | undefined
  const common = {
    ...o,
    clean: (text: string) => screenDevinWords(scrubCredentialShapes(o.scrub(text)), o.log),
    orgId,
    slug,
    clock: o.clock ?? Date.now,
    writer: () => (asked ??= o.github.whoAmI())
  }
  const sessions = await syncSessions({ ...common, screenTags })
  const reviews = await syncReviews(common)
  const result = { sessions, reviews, synced: sessions.synced + reviews.synced }
  o.log.info(syncedLine(slug, result))
  setOutputs({ synced: String(result.synced), result: '' }, o.scrub)
  await writeSummary(renderSyncSummary(result, o.links), o.scrub)
  return result
}

/**
 * `mode: sync` from the pipeline (src/main.ts): the real clients and renderers bound to the
 * engine. Every comment body and check summary is rendered by the run's own renderers and
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
  const devin = createDevinClient(o.credentials, { apiUrl: o.inputs.apiUrl, log: o.log })
  try {
    const github = await o.github()
    const { orgId, secretScan } = o.inputs
    const render = reportRender(o.links, o.scrub)
    await syncRepository({ ...o, devin, github, render, orgId, secretScan })
  } finally {
    await devin.close()
  }
}
