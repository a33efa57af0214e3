/** The Devin client, made with the API key: one of the two places a credential value is read. */
import type { Credentials } from '../credentials/read.js'
import { revealDevinKey } from '../credentials/reveal.js'
import { requestTimeoutMs } from '../net/timeouts.js'
import { DevinClient, type DevinClientOptions } from './client.js'

export function createDevinClient(
  credentials: Credentials,
  opts: Omit<DevinClientOptions, 'apiKey'>
): DevinClient {
  return new DevinClient({
    requestTimeoutMs: requestTimeoutMs(),
    ...opts,
    apiKey: revealDevinKey(credentials)
  })
}
