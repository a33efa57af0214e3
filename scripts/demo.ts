/**
 * `npm run demo`: the action end to end on this machine, no credentials needed. Starts the
 * Devin and GitHub emulators, lays out a PR checkout the way actions/checkout does, runs the
 * built dist/index.js under Node 24 with the runner's environment (waiting for the scripted
 * session to finish), and prints what a user would see.
 */
import { prScenario } from '../test/helpers/scenario.ts'

const s = await prScenario({
  title: 'Add multiplication',
  body: 'Adds `mul` next to `add`. Please check the edge cases.'
})
s.devin.script([
  { status: 'claimed' },
  {
    status: 'running',
    status_detail: 'working',
    acus_consumed: 0.4,
    messages: [{ message: 'Looking at src/math.ts…' }]
  },
  {
    status: 'running',
    status_detail: 'finished',
    acus_consumed: 1.2,
    messages: [{ message: 'Added tests for mul and opened a PR.' }],
    pull_requests: [{ pr_url: 'https://github.com/acme/widgets/pull/8', pr_state: 'open' }]
  }
])
try {
  const r = await s.run({ wait: 'true', 'poll-interval': '1' }, { timeoutMs: 60_000 })
  const line = '─'.repeat(72)
  console.log(`${line}\nAction log (exit code ${r.code})\n${line}`)
  console.log(r.stdout.trimEnd())
  if (r.stderr.trim()) console.log(r.stderr.trimEnd())
  console.log(`${line}\nStep outputs\n${line}`)
  for (const [k, v] of Object.entries(r.outputs)) console.log(`${k.padEnd(18)} ${v}`)
  console.log(`${line}\nSticky PR comment\n${line}`)
  for (const c of s.github.liveComments(s.checkout.prNumber)) console.log(c.body)
  console.log(`${line}\nPrompt sent to Devin\n${line}`)
  const create = s.devin.requestsTo('POST', /\/sessions$/)[0]
  console.log((create?.json as { prompt?: string } | undefined)?.prompt ?? '(none)')
  console.log(`${line}\nRequests the emulators received\n${line}`)
  for (const q of [...s.devin.requests, ...s.github.requests].sort((a, b) => a.at - b.at)) {
    console.log(`${q.method.padEnd(6)} ${q.path}`)
  }
  process.exitCode = r.code ?? 1
} finally {
  await s.close()
}
