import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readCredentials } from '../../../src/credentials/read.ts'
import { createDevinClient } from '../../../src/devin/factory.ts'
import { startDevinEmulator, type DevinEmulator } from '../../emulators/devin.ts'

let devin: DevinEmulator
beforeEach(async () => {
  devin = await startDevinEmulator()
})
afterEach(async () => {
  await devin.close()
})

describe('createDevinClient', () => {
  it('makes a client that authenticates with the key behind the handle', async () => {
    const credentials = readCredentials(
      (n) => (n === 'api-key' ? devin.apiKey : ''),
      () => undefined
    )
    const client = createDevinClient(credentials, { apiUrl: devin.url })
    expect(await client.resolveOrgId('')).toBe(devin.orgId)
    expect(devin.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${devin.apiKey}`])
    await client.close()
  })

  it('sends an empty key as it is, and the API refuses it', async () => {
    const credentials = readCredentials(
      () => '',
      () => undefined
    )
    const client = createDevinClient(credentials, { apiUrl: devin.url, maxAttempts: 1 })
    await expect(client.getSelf()).rejects.toMatchObject({ status: 401 })
  })
})
