/** What the emulator tests share: emulators closed after each test, and small fetch helpers. */
import { afterEach, expect } from 'vitest'
import { startDevinEmulator } from '../../emulators/devin.ts'
import type { DevinEmulator } from '../../emulators/devin.ts'
import { startGitHubEmulator } from '../../emulators/github.ts'
import type { GitHubEmulator } from '../../emulators/github.ts'

export const KEY = 'cog_test_key'
export const ORG = '/v3/organizations/org-emulator'
const open: Array<{ close(): Promise<void> }> = []

// close() also fails on conformance violations no test took: every test here is checked too.
afterEach(async () => {
  const results = await Promise.allSettled(open.splice(0).map((e) => e.close()))
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
})

export async function devin(
  opts: Parameters<typeof startDevinEmulator>[0] = {}
): Promise<DevinEmulator> {
  const emu = await startDevinEmulator(opts)
  open.push(emu)
  return emu
}

export async function github(
  opts: Partial<Parameters<typeof startGitHubEmulator>[0]> = {}
): Promise<GitHubEmulator> {
  const emu = await startGitHubEmulator({ owner: 'octo', repo: 'hello', ...opts })
  open.push(emu)
  return emu
}

export function call(
  emu: { url: string },
  path: string,
  init: RequestInit = {}
): Promise<Response> {
  const headers = { authorization: `Bearer ${KEY}`, ...(init.headers as Record<string, string>) }
  return fetch(`${emu.url}${path}`, { ...init, headers })
}

export const post = (emu: { url: string }, path: string, body: unknown): Promise<Response> =>
  call(emu, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })

export async function create(
  emu: DevinEmulator,
  body: object = { prompt: 'do it' }
): Promise<string> {
  const res = await post(emu, `${ORG}/sessions`, body)
  expect(res.status).toBe(200)
  return ((await res.json()) as { session_id: string }).session_id
}

export const getJson = async <T>(emu: { url: string }, path: string): Promise<T> =>
  (await (await call(emu, path)).json()) as T

export const gh = (
  emu: GitHubEmulator,
  path: string,
  init: RequestInit = {},
  token = 'ghs_test_token'
) =>
  fetch(`${emu.url}${path}`, {
    ...init,
    headers: {
      authorization: `token ${token}`,
      'content-type': 'application/json',
      ...(init.headers as object)
    }
  })
