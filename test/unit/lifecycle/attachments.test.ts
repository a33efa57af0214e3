import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startDevinEmulator, type DevinEmulator } from '../../emulators/devin.ts'
import { DevinClient } from '../../../src/devin/client.ts'
import {
  downloadAttachments,
  sanitizeFileName,
  targetPath,
  uniqueName
} from '../../../src/lifecycle/attachments.ts'
import { forDevin } from '../../helpers/gated.ts'

describe('sanitizeFileName', () => {
  it.each([
    ['report.md', 'report.md'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\win.ini', 'win.ini'],
    ['/abs/path/x.txt', 'x.txt'],
    ['dir/', 'attachment'],
    ['..', 'attachment'],
    ['.', 'attachment'],
    ['', 'attachment'],
    ['.bashrc', 'bashrc'],
    ['a\u0000b\nc\r.txt', 'abc.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['what?<>:"|*.txt', 'what_______.txt'],
    ['trailing. . ', 'trailing'],
    ['NUL.txt', '_NUL.txt'],
    ['com1', '_com1'],
    ['e\u0301te\u0301.txt', 'été.txt']
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected)
  })

  it('keeps names short enough for any file system, extension included', () => {
    const long = `${'é'.repeat(300)}.json`
    const out = sanitizeFileName(long)
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(200)
    expect(out.endsWith('.json')).toBe(true)
  })

  it('always yields a single segment that stays in the directory', () => {
    const dir = path.resolve('/tmp/x')
    for (const name of ['../a', 'a/../../b', '..\\..', '\u0000', '....//....//c', 'x/.']) {
      const safe = sanitizeFileName(name)
      expect(safe).not.toMatch(/[/\\]/)
      expect(path.dirname(targetPath(dir, safe))).toBe(dir)
    }
  })
})

describe('uniqueName and targetPath', () => {
  it('numbers collisions, ignoring case', () => {
    const taken = new Set<string>()
    expect(uniqueName('a.txt', taken)).toBe('a.txt')
    expect(uniqueName('A.TXT', taken)).toBe('A (2).TXT')
    expect(uniqueName('a.txt', taken)).toBe('a (3).txt')
    expect(uniqueName('noext', taken)).toBe('noext')
    expect(uniqueName('noext', taken)).toBe('noext (2)')
  })

  it('refuses anything that is not a direct child', () => {
    expect(() => targetPath('/tmp/x', '../y')).toThrow(/outside/)
    expect(() => targetPath('/tmp/x', 'a/b')).toThrow(/outside/)
    expect(() => targetPath('/tmp/x', '..')).toThrow(/outside/)
    expect(targetPath('/tmp/x', 'ok.txt')).toBe(path.resolve('/tmp/x/ok.txt'))
  })
})

describe('downloadAttachments against the Devin emulator', () => {
  let devin: DevinEmulator
  let client: DevinClient
  let ws = ''
  const warnings: string[] = []
  const log = { info: () => undefined, warning: (m: string) => warnings.push(m) }

  beforeEach(async () => {
    ws = await mkdtemp(path.join(tmpdir(), 'attach-test-'))
    warnings.length = 0
  })
  afterEach(async () => {
    await client?.close()
    await devin?.close()
    await rm(ws, { recursive: true, force: true })
  })

  async function sessionWith(
    attachments: Array<{ name: string; content: string }>,
    shape: 'array' | 'items' = 'array'
  ): Promise<string> {
    devin = await startDevinEmulator({ attachmentsShape: shape })
    client = new DevinClient({
      apiUrl: devin.url,
      apiKey: devin.apiKey,
      sleep: async () => undefined
    })
    devin.script([{ status: 'exit', attachments }])
    const { session } = await client.createSession(devin.orgId, forDevin({ prompt: 'x' }), {
      dedupeTag: 't'
    })
    await client.getSession(devin.orgId, session.sessionId)
    return session.sessionId
  }

  it('follows the redirect to the file and writes it inside the directory', async () => {
    const id = await sessionWith(
      [{ name: 'notes/../../../../../../tmp/pwned.txt', content: 'hi' }],
      'items'
    )
    const dir = path.join(ws, 'out')
    const res = await downloadAttachments({
      devin: client,
      orgId: devin.orgId,
      sessionId: id,
      dir,
      relativeTo: ws,
      log
    })
    expect(res).toEqual({ files: ['out/pwned.txt'], failed: 0 })
    expect(await readFile(path.join(dir, 'pwned.txt'), 'utf8')).toBe('hi')
    expect(await readdir(ws)).toEqual(['out'])
    expect(devin.requests.some((r) => r.path.startsWith('/files/'))).toBe(true)
  })

  it('replaces a symlink planted at the target name instead of writing through it', async () => {
    const id = await sessionWith([{ name: 'link.txt', content: 'new' }])
    const dir = path.join(ws, 'out')
    const outside = path.join(ws, 'outside.txt')
    await writeFile(outside, 'original')
    await mkdir(dir)
    await symlink(outside, path.join(dir, 'link.txt'))
    await downloadAttachments({
      devin: client,
      orgId: devin.orgId,
      sessionId: id,
      dir,
      relativeTo: ws,
      log
    })
    expect(await readFile(outside, 'utf8')).toBe('original')
    expect((await lstat(path.join(dir, 'link.txt'))).isSymbolicLink()).toBe(false)
    expect(await readFile(path.join(dir, 'link.txt'), 'utf8')).toBe('new')
  })

  describe('a folder that a symbolic link takes out of the workspace', () => {
    async function layout(): Promise<{ work: string; outside: string }> {
      const work = path.join(ws, 'workspace')
      const outside = path.join(ws, 'outside')
      await mkdir(work)
      await mkdir(outside)
      return { work, outside }
    }
    const download = (id: string, dir: string, work: string) =>
      downloadAttachments({
        devin: client,
        orgId: devin.orgId,
        sessionId: id,
        dir,
        relativeTo: work,
        log
      })

    it.each([
      ['is itself a link', 'out', 'out'],
      ['lies under a link, not created yet', 'out', 'out/new/deeper'],
      ['is a dangling link', 'gone', 'gone']
    ])('is refused when it %s, and nothing is written outside', async (_how, link, rel) => {
      const { work, outside } = await layout()
      const id = await sessionWith([{ name: 'a.txt', content: 'x' }])
      await symlink(link === 'gone' ? path.join(outside, 'gone') : outside, path.join(work, link))
      await expect(download(id, path.join(work, rel), work)).rejects.toThrow(
        /^refusing to write attachments to .*: a symbolic link takes it to .*outside/
      )
      expect(await readdir(outside)).toEqual([])
    })

    it('is used when the link stays inside the workspace', async () => {
      const { work } = await layout()
      const id = await sessionWith([{ name: 'a.txt', content: 'x' }])
      await mkdir(path.join(work, 'real-out'))
      await symlink('real-out', path.join(work, 'out'))
      const res = await download(id, path.join(work, 'out'), work)
      expect(res.files).toEqual(['out/a.txt'])
      expect(await readFile(path.join(work, 'real-out', 'a.txt'), 'utf8')).toBe('x')
    })
  })

  it('warns about a download that is too large and goes on with the rest', async () => {
    const id = await sessionWith([
      { name: 'big.bin', content: 'x'.repeat(5000) },
      { name: 'small.txt', content: 'ok' }
    ])
    const dir = path.join(ws, 'out')
    const res = await downloadAttachments({
      devin: client,
      orgId: devin.orgId,
      sessionId: id,
      dir,
      relativeTo: ws,
      log,
      maxBytes: 1000
    })
    expect(res).toEqual({ files: ['out/small.txt'], failed: 1 })
    expect(warnings.join('\n')).toMatch(/big\.bin.*exceeds 1000 bytes/)
    expect((await readdir(dir)).sort()).toEqual(['small.txt'])
  })

  it('creates nothing when the session has no attachments', async () => {
    const id = await sessionWith([])
    const dir = path.join(ws, 'out')
    const res = await downloadAttachments({
      devin: client,
      orgId: devin.orgId,
      sessionId: id,
      dir,
      relativeTo: ws,
      log
    })
    expect(res).toEqual({ files: [], failed: 0 })
    expect(await readdir(ws)).toEqual([])
  })
})
