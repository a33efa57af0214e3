/** The Devin client's attachment upload, against the real emulator (test/emulators/devin-uploads.ts). */
import { describe, expect, it } from 'vitest'
import { keyWatch } from '../../helpers/key-watch.ts'
import {
  DevinApiError,
  type DevinClientOptions,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError
} from '../../../src/devin/client.ts'
import { UPLOAD_HINTS } from '../../../src/devin/errors.ts'
import { createNetwork } from '../../../src/net/dispatcher.ts'
import { startDevinEmulator } from '../../emulators/devin.ts'
import { readForm } from '../../emulators/multipart.ts'
import { rejection as rejectionOf, testDevinClient } from '../../helpers/devin-client.ts'
import { forDevin } from '../../helpers/gated.ts'
import { DEVIN_HOST, startTestProxy } from '../../helpers/proxy.ts'
import { proxyEnv } from '../../helpers/proxy-env.ts'

const KEY = 'cog_UploadKey_0a1b2c3d4e5f6789'
const ORG = 'org-emulator'
const UPLOADS = `/v3/organizations/${ORG}/attachments`
/** Multi-byte text, CRLFs, and lines that look like a multipart boundary. */
const LOG = 'Run npm test\r\n--\r\n------WebKitFormBoundary\r\nFAIL ✗ émoji 🚀\n--x--\n'

const { seen, cleanups } = keyWatch(KEY, 'UploadKey')

async function setup(client: Partial<DevinClientOptions> = {}, apiUrl?: (u: string) => string) {
  const emu = await startDevinEmulator({ apiKey: KEY, orgId: ORG })
  const url = apiUrl ? apiUrl(emu.url) : emu.url
  const { client: devin, waits } = testDevinClient(url, KEY, { logs: seen, over: client })
  cleanups.push(
    () => devin.close(),
    () => emu.close()
  )
  return { emu, client: devin, waits }
}

const rejection = (p: Promise<unknown>): Promise<Error> => rejectionOf(p, seen)

const file = (name = 'ci-logs.txt', content = LOG) => forDevin({ name, content })
const warnings = () => seen.filter((m) => m.startsWith('warning: '))

describe('uploadAttachment', () => {
  it('sends the text as multipart field `file` and returns what the URL serves', async () => {
    const { emu, client } = await setup()
    const up = await client.uploadAttachment(ORG, file())
    expect(up).toEqual({
      attachment_id: emu.uploads.all[0]?.attachment_id,
      name: 'ci-logs.txt',
      url: `${emu.url}/attachments/${emu.uploads.all[0]?.attachment_id}/ci-logs.txt`
    })
    const [req] = emu.requestsTo('POST', UPLOADS)
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(String(req?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/)
    // Read by the emulator's own parser, not by the library that wrote it.
    const parts = readForm(req?.headers['content-type'], Buffer.from(req?.body ?? '', 'utf8'))
    expect(parts).toEqual([
      {
        name: 'file',
        filename: 'ci-logs.txt',
        contentType: 'text/plain; charset=utf-8',
        data: Buffer.from(LOG)
      }
    ])
    expect(emu.uploads.all[0]?.content.toString('utf8')).toBe(LOG)
    // The URL is one the client's own download can read back (the key goes to the API only).
    expect((await client.download(up.url, 1 << 20)).toString('utf8')).toBe(LOG)
  })

  it("gives a created session the URL, which lists the upload as the user's", async () => {
    const { emu, client } = await setup()
    const up = await client.uploadAttachment(ORG, file('failed-jobs.log'))
    const body = forDevin({ prompt: 'Fix CI', attachment_urls: [up.url] })
    const { session } = await client.createSession(ORG, body, { dedupeTag: 'ci-run-1' })
    expect(emu.sessions.get(session.sessionId)?.attachmentUrls).toEqual([up.url])
    const listed = await client.listAttachments(ORG, session.sessionId)
    expect(listed.map((a) => [a.attachment_id, a.name, a.source])).toEqual([
      [up.attachment_id, 'failed-jobs.log', 'user']
    ])
  })

  it('sends the same bytes through a proxy', async () => {
    const proxy = await startTestProxy()
    cleanups.push(() => proxy.close())
    proxyEnv({ HTTP_PROXY: proxy.url })
    const network = createNetwork()
    cleanups.push(() => network.close())
    const { emu, client } = await setup({ network }, (u) => u.replace('127.0.0.1', DEVIN_HOST))
    await client.uploadAttachment(ORG, file())
    expect(proxy.forwardedTo(DEVIN_HOST).map((e) => `${e.method} ${e.path}`)).toEqual([
      `POST ${UPLOADS}`
    ])
    expect(emu.uploads.all.map((f) => f.content.toString('utf8'))).toEqual([LOG])
  })

  it('refuses a file without a name before sending anything', async () => {
    const { emu, client } = await setup()
    const err = await rejection(client.uploadAttachment(ORG, file('  ')))
    expect(err).toBeInstanceOf(DevinConfigError)
    expect(emu.requestsTo('POST', UPLOADS)).toEqual([])
  })

  it('403: names the permission, with the status and detail, and is not resent', async () => {
    const { emu, client, waits } = await setup()
    emu.uploads.denyUploads()
    const err = await rejection(client.uploadAttachment(ORG, file()))
    expect(err).toBeInstanceOf(DevinApiError)
    expect(err.message).toBe(
      `Devin API POST ${emu.url}${UPLOADS} failed: 403 Forbidden: Service user lacks required ` +
        `permission UseDevinSessions. ${UPLOAD_HINTS[403]}`
    )
    expect(emu.requestsTo('POST', UPLOADS)).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('413: says so with the server detail, and is not resent', async () => {
    const { emu, client } = await setup()
    emu.uploads.limitUploads(10)
    const err = await rejection(client.uploadAttachment(ORG, file()))
    expect((err as DevinApiError).status).toBe(413)
    expect(err.message).toContain(
      '413 Payload Too Large: File exceeds the maximum upload size of 10 bytes'
    )
    expect(emu.requestsTo('POST', UPLOADS)).toHaveLength(1)
    expect(emu.uploads.all).toEqual([])
  })

  it('429: waits as told and sends again, like every POST', async () => {
    const { emu, client, waits } = await setup()
    emu.fault(
      { method: 'POST', path: UPLOADS },
      { status: 429, headers: { 'retry-after': '3' }, body: { title: 'Too Many', status: 429 } }
    )
    await client.uploadAttachment(ORG, file())
    expect(waits).toEqual([3000])
    // The form is encoded again for the second attempt: the whole file arrives.
    expect(emu.uploads.all.map((f) => f.content.toString('utf8'))).toEqual([LOG])
  })

  it('an unknown outcome (stored, then a 502) is sent once more, with a warning', async () => {
    const { emu, client, waits } = await setup()
    emu.fault(
      { method: 'POST', path: UPLOADS },
      { status: 502, afterAction: true, body: { title: 'Bad Gateway', status: 502 } }
    )
    const up = await client.uploadAttachment(ORG, file())
    // The first upload was stored too: a harmless duplicate, and the second one is returned.
    expect(emu.uploads.all.map((f) => f.url)).toEqual([expect.any(String), up.url])
    expect(up.url).not.toBe(emu.uploads.all[0]?.url)
    expect(emu.uploads.all.map((f) => f.content.toString('utf8'))).toEqual([LOG, LOG])
    expect(waits).toEqual([1500])
    expect(warnings()).toEqual([
      `warning: Uploading "ci-logs.txt" to Devin may or may not have worked (Devin API POST ` +
        `${emu.url}${UPLOADS} failed: 502 Bad Gateway: Bad Gateway); uploading it once more.`
    ])
  })

  it('is sent at most twice when the outcome stays unknown', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: UPLOADS, times: 5 }, { drop: 'after' })
    const err = await rejection(client.uploadAttachment(ORG, file()))
    expect(err).toBeInstanceOf(DevinNetworkError)
    expect(emu.requestsTo('POST', UPLOADS)).toHaveLength(2)
  })

  it('an unreadable answer counts as unknown: sent once more', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: UPLOADS, times: 2 }, { malformed: true })
    const err = await rejection(client.uploadAttachment(ORG, file()))
    expect(err).toBeInstanceOf(DevinMalformedResponseError)
    expect(emu.requestsTo('POST', UPLOADS)).toHaveLength(2)
  })

  it('is not sent again once the run is cancelled', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: UPLOADS }, { drop: 'after' })
    const signal = AbortSignal.abort()
    const err = await rejection(client.uploadAttachment(ORG, file(), { signal }))
    expect(err).toBeInstanceOf(DevinNetworkError)
    expect(emu.requestsTo('POST', UPLOADS)).toHaveLength(1)
    expect(warnings()).toEqual([])
  })

  it('never shows the key, even when the server echoes it', async () => {
    const { emu, client } = await setup()
    emu.fault(
      { method: 'POST', path: UPLOADS },
      {
        status: 400,
        body: (r) => ({
          title: 'Bad',
          status: 400,
          detail: `bad ${String(r.headers.authorization)}`
        })
      }
    )
    const err = await rejection(client.uploadAttachment(ORG, file()))
    expect(err.message).toMatch(/^Devin API POST .* failed: 400 Bad Request: bad Bearer /)
    expect(err.message).not.toContain(KEY)
  })
})
