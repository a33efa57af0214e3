/**
 * `npm run demo`: the action end to end on this machine, no credentials needed. Starts the
 * Devin and GitHub emulators, lays out a PR checkout the way actions/checkout does, runs the
 * built dist/index.js under Node 24 with the runner's environment (waiting for the scripted
 * session to finish), and prints what a user would see: the log as the Actions UI shows it (not
 * the raw workflow commands; `--raw` prints those), the annotations, the job summary, the outputs
 * and the PR comment.
 */
import { actionsView, annotationList } from '../test/helpers/actions-ui.ts'
import { prScenario } from '../test/helpers/scenario.ts'

const raw = process.argv.includes('--raw')

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
  const view = actionsView(r.stdout)
  const how = raw ? 'raw stdout, workflow commands and all' : 'as the Actions UI shows it'
  console.log(`${line}\nAction log, ${how} (exit code ${r.code})\n${line}`)
  console.log(raw ? r.stdout.trimEnd() : view.lines.join('\n'))
  if (r.stderr.trim()) console.log(r.stderr.trimEnd())
  console.log(`${line}\nAnnotations\n${line}`)
  console.log(annotationList(view.annotations).join('\n'))
  console.log(`${line}\nJob summary (Markdown)\n${line}`)
  console.log(r.summary.trimEnd() || '(empty)')
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
