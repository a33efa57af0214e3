/**
 * Starts both emulators for manual runs and other processes:
 *   node test/emulators/cli.ts [--devin-port N] [--github-port N] [--owner o --repo r]
 * Prints one JSON line with the URLs and credentials, then serves until SIGINT/SIGTERM.
 */

import { parseArgs } from 'node:util'
import { startDevinEmulator } from './devin.ts'
import { startGitHubEmulator } from './github.ts'

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'devin-port': { type: 'string' },
      'github-port': { type: 'string' },
      owner: { type: 'string', default: 'octo-org' },
      repo: { type: 'string', default: 'octo-repo' }
    },
    strict: true
  })
  const devin = await startDevinEmulator({ port: port(values['devin-port'], 'devin-port') })
  const github = await startGitHubEmulator({
    owner: values.owner ?? 'octo-org',
    repo: values.repo ?? 'octo-repo',
    port: port(values['github-port'], 'github-port')
  })
  const info = {
    devin: devin.url,
    github: github.url,
    apiKey: devin.apiKey,
    orgId: devin.orgId,
    githubToken: Object.keys(github.tokens)[0]
  }
  process.stdout.write(`${JSON.stringify(info)}\n`)

  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    // A request or answer off what the services document is reported, and the exit says so.
    void Promise.allSettled([devin.close(), github.close()]).then((closed) => {
      const failed = closed.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
      for (const f of failed) process.stderr.write(`${f}\n`)
      process.exit(failed.length === 0 ? 0 : 1)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(
    `emulators failed to start: ${err instanceof Error ? err.message : String(err)}\n`
  )
  process.exit(1)
})
