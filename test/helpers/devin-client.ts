/**
 * The Devin client as the client tests build it: no real waits (each delay it asks for is
 * recorded), a fixed jitter, every log line kept; and the error a call rejects with.
 */
import { inspect } from 'node:util'
import { DevinClient, type DevinClientOptions } from '../../src/devin/client.ts'

export interface TestDevinClient {
  client: DevinClient
  /** The delays the client slept, in order. */
  waits: number[]
  /** Its log lines, `level: message`. */
  logs: string[]
}

/**
 * A client of `apiUrl` with `apiKey`; `logs` is where its log lines go (a key watch's `seen`, to
 * check them for the key), `over` any option of the test's. The caller closes it.
 */
export function testDevinClient(
  apiUrl: string,
  apiKey: string,
  o: { logs?: string[]; over?: Partial<DevinClientOptions> } = {}
): TestDevinClient {
  const waits: number[] = []
  const logs = o.logs ?? []
  const client = new DevinClient({
    apiUrl,
    apiKey,
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    log: {
      debug: (m) => void logs.push(`debug: ${m}`),
      info: (m) => void logs.push(`info: ${m}`),
      warning: (m) => void logs.push(`warning: ${m}`)
    },
    ...o.over
  })
  return { client, waits, logs }
}

/**
 * The error `p` rejects with (fails when it resolves). With `seen`, the error's message and
 * everything `inspect` shows of it are kept there, for a key watch to check.
 */
export async function rejection(p: Promise<unknown>, seen?: string[]): Promise<Error> {
  try {
    await p
  } catch (err) {
    seen?.push((err as Error).message, inspect(err))
    return err as Error
  }
  throw new Error('expected the promise to reject')
}
