/**
 * The import rules of src/, checked by `npm test` (stage `deps`). Data flows one way through the
 * stages: run (decide) → handoff (pack) → session (start) → lifecycle (follow) → report, and
 * `mode: sync` on top, which re-renders reports the others wrote. A stage may import the stages
 * before it and the layers beneath all of them, never one after it:
 *
 *   hygiene, net          text and network basics; import nothing of the action
 *   egress                the one gate every outgoing text passes (log, outputs, summary,
 *                         comment bodies, Devin requests); the only importer of @actions/core
 *   credentials           read and mask the credentials (reveal: the two client factories only)
 *   devin, github         the two API edges; neither imports the other
 *   state                 the run's state and phase
 *   run → handoff → session → lifecycle → report
 *   review                `mode: review`: asks Devin Review and follows it, over decide and report
 *   sync                  `mode: sync`: refreshes the reports of sessions and reviews started earlier
 *   main.ts, post.ts, index.ts (entries) may import anything
 *
 * Type-only imports count too: a type that flows backwards is a dependency that flows backwards.
 */
const ORDER = [
  ['hygiene', 'net'],
  ['egress'],
  ['credentials'],
  ['devin', 'github'],
  ['state'],
  ['run'],
  ['handoff'],
  ['session'],
  ['lifecycle'],
  ['report'],
  ['review'],
  ['sync']
]

const folder = (name) => `^src/${name}/`
const flowRules = ORDER.flatMap((level, i) => {
  const later = ORDER.slice(i + 1).flat()
  const rules = level.map((name) => ({
    name: `flow-${name}`,
    comment: `src/${name}/ may not import a later stage or layer (${later.join(', ')}): data flows one way`,
    severity: 'error',
    from: { path: folder(name) },
    to: { path: later.length ? `^src/(${later.join('|')})/` : '^$' }
  }))
  // Folders on the same level stay apart (the Devin edge knows nothing of GitHub's, and back).
  if (level.length > 1) {
    for (const name of level) {
      const others = level.filter((o) => o !== name)
      rules.push({
        name: `apart-${name}`,
        comment: `src/${name}/ and src/${others.join(', src/')}/ are on one level and stay apart`,
        severity: 'error',
        from: { path: folder(name) },
        to: { path: `^src/(${others.join('|')})/` }
      })
    }
  }
  return rules
})

module.exports = {
  forbidden: [
    ...flowRules,
    {
      name: 'no-circular',
      comment: 'Cycles hide which way data flows.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true }
    },
    {
      name: 'runner-written-by-egress-only',
      comment:
        'Only src/egress/ writes to the runner (log, outputs, summary, state, failure): everything else goes through the gate.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/egress/' },
      to: { path: '(^|/)node_modules/@actions/core/|^@actions/core$' }
    },
    {
      name: 'credentials-revealed-by-factories-only',
      comment:
        'Only the two client factories may read a credential value; everything else holds the opaque handle.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(devin|github)/factory\\.ts$' },
      to: { path: '^src/credentials/reveal\\.ts$' }
    },
    {
      name: 'credentials-vault-private',
      comment: 'The stored values are reached through read.ts and reveal.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/credentials/(read|reveal)\\.ts$' },
      to: { path: '^src/credentials/vault\\.ts$' }
    },
    {
      name: 'entries-are-not-imported',
      comment: 'main.ts and post.ts run the action (index.ts starts main); nothing builds on them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/(main|post|index)\\.ts$' }
    },
    {
      name: 'no-files-outside-concern-folders',
      comment: 'Every module lives in the folder of its concern; only the entries sit in src/.',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/(main|post|index)\\.ts$' },
      to: {}
    },
    {
      name: 'src-stays-out-of-tests-and-scripts',
      comment: 'The bundle must not pull in test or build code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts|bench)/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' }
  }
}
