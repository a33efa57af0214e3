import { describe, expect, it } from 'vitest'
import {
  applyCounts,
  hunkLineNumbers,
  parseHeaderPaths,
  parseRawNumstat,
  RawSplitter,
  type BlockStats
} from '../../../src/handoff/diff.ts'
import {
  classifyPath,
  displayPath,
  keyOf,
  matchUserGlob,
  parseGlobList,
  quoteC,
  showPath,
  unquoteC
} from '../../../src/handoff/paths.ts'
import { PatchSelector, renderFiles } from '../../../src/handoff/patch-select.ts'

const z = (...fields: string[]): Buffer => Buffer.from(fields.join('\0') + '\0', 'latin1')

describe('parseRawNumstat', () => {
  it('reads raw and numstat records by position, whatever bytes the names hold', () => {
    const nl = 'nl\nx'
    const tab = 'tab\there'
    const utf = keyOf('ünï.txt')
    const out = z(
      ':100644 100644 aaa bbb M',
      'a b.txt',
      ':100644 100644 ccc ddd R087',
      'old.txt',
      'new dir/new.txt',
      ':000000 100644 000 eee A',
      nl,
      ':100644 000000 fff 000 D',
      tab,
      ':100644 100644 111 222 M',
      utf,
      ':100644 100644 333 444 M',
      'bin.dat',
      ':100644 120000 555 666 T',
      ':colon',
      '3\t1\ta b.txt',
      '0\t2\t',
      'old.txt',
      'new dir/new.txt',
      '1\t0\t' + nl,
      '0\t4\t' + tab,
      '1\t1\t' + utf,
      '-\t-\tbin.dat',
      '1\t1\t:colon'
    )
    const list = parseRawNumstat(out)
    expect(
      list.map((e) => [displayPath(e.key), e.oldKey, e.status, e.additions, e.deletions, e.binary])
    ).toEqual([
      ['a b.txt', undefined, 'modified', 3, 1, false],
      ['new dir/new.txt', 'old.txt', 'renamed', 0, 2, false],
      ['nl\nx', undefined, 'added', 1, 0, false],
      ['tab\there', undefined, 'deleted', 0, 4, false],
      ['ünï.txt', undefined, 'modified', 1, 1, false],
      ['bin.dat', undefined, 'modified', 0, 0, true],
      [':colon', undefined, 'type-changed', 1, 1, false]
    ])
  })

  it('reads raw records alone (counts then come from the patch)', () => {
    const list = parseRawNumstat(
      z(':100644 100644 a b M', 'x', ':100644 100644 c d C100', 'x', 'y')
    )
    expect(list.map((e) => [e.key, e.oldKey, e.status])).toEqual([
      ['x', undefined, 'modified'],
      ['y', 'x', 'copied']
    ])
  })
})

describe('RawSplitter', () => {
  const raw = z(':100644 100644 a b M', 'x y', ':100644 100644 c d R090', 'o', ':odd')
  const patch = 'diff --git a/x y b/x y\n--- a/x y\t\n+++ b/x y\t\n@@ -1 +1 @@\n-a\n+b\n'
  const out = Buffer.concat([raw, Buffer.from('\0'), Buffer.from(patch)])

  it('separates the raw records from the patch however the output is chunked', () => {
    for (const size of [1, 2, 5, 17, out.length]) {
      const s = new RawSplitter()
      const parts: Buffer[] = []
      for (let i = 0; i < out.length; i += size) parts.push(s.push(out.subarray(i, i + size)))
      expect(Buffer.concat(parts).toString(), `chunk ${size}`).toBe(patch)
      expect(parseRawNumstat(s.raw).map((e) => [e.key, e.oldKey, e.status])).toEqual([
        ['x y', undefined, 'modified'],
        [':odd', 'o', 'renamed']
      ])
    }
  })

  it('passes output without a raw part straight through', () => {
    const s = new RawSplitter()
    expect(s.push(Buffer.from(patch)).toString()).toBe(patch)
    expect(s.raw.length).toBe(0)
  })
})

describe('quoting', () => {
  it('round-trips names with controls, quotes, backslashes and raw non-ASCII bytes', () => {
    for (const name of [
      'plain',
      'sp ace',
      'tab\t',
      'new\nline',
      'q"uote',
      'back\\slash',
      keyOf('é'),
      '\x01\x7f'
    ]) {
      const quoted = quoteC(name)
      expect(unquoteC(quoted)?.value ?? quoted).toBe(name)
    }
    expect(quoteC('a b')).toBe('a b')
    expect(quoteC('a\tb')).toBe('"a\\tb"')
    expect(quoteC('\x01')).toBe('"\\001"')
    expect(unquoteC('"\\303\\251x" tail')).toEqual({ value: keyOf('éx'), end: 11 })
    expect(showPath('new\nline')).toBe('"new\\nline"')
  })
})

describe('parseHeaderPaths', () => {
  it('reads names from ---/+++ (with the tab git adds after names with spaces)', () => {
    expect(
      parseHeaderPaths([
        'diff --git a/a b.txt b/a b.txt',
        'index 1..2 100644',
        '--- a/a b.txt\t',
        '+++ b/a b.txt\t'
      ])
    ).toEqual({
      key: 'a b.txt'
    })
  })
  it('reads quoted names', () => {
    expect(
      parseHeaderPaths(['diff --git "a/nl\\nx" "b/nl\\nx"', '--- "a/nl\\nx"', '+++ "b/nl\\nx"'])
    ).toEqual({ key: 'nl\nx' })
  })
  it('takes renames from the rename lines, deletions from ---', () => {
    expect(
      parseHeaderPaths([
        'diff --git a/x y b/z w',
        'similarity index 90%',
        'rename from x y',
        'rename to z w',
        '--- a/x y\t',
        '+++ b/z w\t'
      ])
    ).toEqual({ key: 'z w', oldKey: 'x y' })
    expect(
      parseHeaderPaths([
        'diff --git a/gone b/gone',
        'deleted file mode 100644',
        '--- a/gone',
        '+++ /dev/null'
      ])
    ).toEqual({ key: 'gone' })
  })
  it('splits a symmetric diff --git line when there is nothing else (binary, mode change)', () => {
    expect(
      parseHeaderPaths(['diff --git a/a b/c b/a b/c', 'old mode 100644', 'new mode 100755'])
    ).toEqual({ key: 'a b/c' })
    expect(
      parseHeaderPaths([
        'diff --git "a/t\\tb" "b/t\\tb"',
        'Binary files "a/t\\tb" and "b/t\\tb" differ'
      ])
    ).toEqual({ key: 't\tb' })
    expect(parseHeaderPaths(['diff --git a/x b/y'])).toBeUndefined()
  })
})

describe('classifyPath and globs', () => {
  it('knows secret files at any depth, in dot directories, in any case', () => {
    for (const p of [
      '.env',
      'app/.env.local',
      '.github/deploy.pem',
      'keys/server.KEY',
      'home/.ssh/id_rsa',
      'id_ed25519.pub',
      'cert.p12',
      '.npmrc',
      'x/.netrc',
      'credentials.prod.json',
      '.docker/config.json'
    ]) {
      expect(classifyPath(p, []), p).toBe('secret-file')
    }
    expect(classifyPath('src/env.ts', [])).toBeUndefined()
    expect(classifyPath('docs/keys.md', [])).toBeUndefined()
  })
  it('knows env files by any of their names, in any folder', () => {
    for (const p of [
      'deploy/prod.env',
      'web.ENV',
      '.envrc',
      'services/api/.envrc',
      'config/.env.production.local',
      'deploy/prod.env.local',
      'docker/compose.env.yml',
      'secrets/app.env/values.txt',
      'keys/deploy.ppk'
    ]) {
      expect(classifyPath(p, []), p).toBe('secret-file')
    }
    for (const p of ['src/vite-env.d.ts', 'src/environment.prod.ts', 'docs/env.md', 'venv/x.py'])
      expect(classifyPath(p, []), p).toBeUndefined()
  })
  it('lists lock and generated files as such', () => {
    expect(classifyPath('package-lock.json', [])).toBe('lock')
    expect(classifyPath('rust/Cargo.lock', [])).toBe('lock')
    expect(classifyPath('go.sum', [])).toBe('lock')
    expect(classifyPath('dist/index.js', [])).toBe('generated')
    expect(classifyPath('packages/a/dist/x.js', [])).toBe('generated')
    expect(classifyPath('web/app.min.js', [])).toBe('generated')
    expect(classifyPath('web/app.js.map', [])).toBe('generated')
    expect(classifyPath('src/distance.ts', [])).toBeUndefined()
  })
  it('applies user globs gitignore-style, after secret files and before lock files', () => {
    const globs = parseGlobList('docs/**, *.snap\n/root-only.txt\nfixtures/\n# comment\n')
    expect(globs).toEqual(['docs/**', '*.snap', '/root-only.txt', 'fixtures/'])
    expect(classifyPath('docs/a/b.md', globs)).toBe('excluded')
    expect(classifyPath('src/__snapshots__/x.snap', globs)).toBe('excluded')
    expect(classifyPath('root-only.txt', globs)).toBe('excluded')
    expect(classifyPath('sub/root-only.txt', globs)).toBeUndefined()
    expect(classifyPath('test/fixtures/data.json', globs)).toBe('excluded')
    expect(classifyPath('fixtures', globs)).toBeUndefined()
    expect(classifyPath('docs/.env', globs)).toBe('secret-file')
    expect(classifyPath('package-lock.json', ['*.json'])).toBe('excluded')
  })
  it('lets ** and * reach into dot directories (path.matchesGlob alone does not)', () => {
    expect(matchUserGlob('.github/workflows/ci.yml', '**/*.yml')).toBe(true)
    expect(matchUserGlob('.hidden', '*')).toBe(true)
    expect(matchUserGlob('src/a/.cache/x', 'src/**')).toBe(true)
    expect(matchUserGlob('src/x.ts', 'lib/**')).toBe(false)
    expect(matchUserGlob('src/x.ts', '')).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------

function patchOf(files: { name: string; hunks: string[]; header?: string[] }[]): string {
  return files
    .map((f) => {
      const head = f.header ?? [
        `diff --git a/${f.name} b/${f.name}`,
        'index 1111111..2222222 100644',
        `--- a/${f.name}`,
        `+++ b/${f.name}`
      ]
      return [...head, ...f.hunks].join('\n') + '\n'
    })
    .join('')
}

function hunk(start: number, lines: string[]): string {
  const removed = lines.filter((l) => !l.startsWith('+')).length
  const added = lines.filter((l) => !l.startsWith('-')).length
  return [`@@ -${start},${removed} +${start},${added} @@ fn()`, ...lines].join('\n')
}

function select(
  patch: string,
  budget: number,
  opts: { chunk?: number; wants?: (k: string) => boolean } = {}
) {
  const b = { remaining: budget }
  const sel = new PatchSelector({
    budget: b,
    wants: opts.wants ?? (() => true),
    sanitize: (s) => s.replace(/\u202e/g, '<U+202E>')
  })
  const buf = Buffer.from(patch)
  const size = opts.chunk ?? buf.length
  for (let i = 0; i < buf.length; i += size) sel.push(buf.subarray(i, i + size))
  sel.end()
  return { files: sel.files, blocks: sel.blocks, remaining: b.remaining }
}

describe('PatchSelector', () => {
  const small = hunk(1, [' a', '-b', '+B', ' c'])
  const big = hunk(100, [
    ' x',
    ...Array.from({ length: 40 }, (_, i) => `+added line number ${i} with some text`),
    ' y'
  ])
  const patch = patchOf([
    { name: 'one.txt', hunks: [small, hunk(50, [' q', '-r', '+R'])] },
    { name: 'big.txt', hunks: [big, small] },
    { name: 'two.txt', hunks: [small] },
    {
      name: 'bin.png',
      hunks: [],
      header: [
        'diff --git a/bin.png b/bin.png',
        'index 1..2 100644',
        'Binary files a/bin.png and b/bin.png differ'
      ]
    },
    {
      name: 'mode.sh',
      hunks: [],
      header: ['diff --git a/mode.sh b/mode.sh', 'old mode 100644', 'new mode 100755']
    }
  ])

  it('keeps everything when it fits, without index lines, exactly as the patch says', () => {
    const r = select(patch, 1_000_000)
    expect(r.files.map((f) => f.key)).toEqual(['one.txt', 'big.txt', 'two.txt', 'mode.sh'])
    expect(r.files[3]?.hunks).toEqual([])
    const text = renderFiles(r.files)
    expect(text).not.toContain('index ')
    const binary = /^diff --git a\/bin\.png.*\n.*\n/m
    expect(text).toBe(patch.replace(/^index .*\n/gm, '').replace(binary, ''))
    expect(1_000_000 - r.remaining).toBe(Buffer.byteLength(text))
  })

  it('counts + and - lines of every block, kept or not, and marks binary blocks', () => {
    const r = select(patch, 0)
    expect(r.files).toEqual([])
    expect(r.blocks).toEqual<BlockStats[]>([
      { key: 'one.txt', additions: 2, deletions: 2, binary: false },
      { key: 'big.txt', additions: 41, deletions: 1, binary: false },
      { key: 'two.txt', additions: 1, deletions: 1, binary: false },
      { key: 'bin.png', additions: 0, deletions: 0, binary: true },
      { key: 'mode.sh', additions: 0, deletions: 0, binary: false }
    ])
  })

  it('cuts only between hunks and lets later, smaller files fit (greedy in order)', () => {
    const one = Buffer.byteLength(
      renderFiles(
        select(patchOf([{ name: 'one.txt', hunks: [small, hunk(50, [' q', '-r', '+R'])] }]), 1e6)
          .files
      )
    )
    const two = Buffer.byteLength(
      renderFiles(select(patchOf([{ name: 'two.txt', hunks: [small] }]), 1e6).files)
    )
    const r = select(patch, one + two + 10)
    expect(r.files.map((f) => [f.key, f.hunks.length, f.leftOut])).toEqual([
      ['one.txt', 2, 0],
      ['two.txt', 1, 0]
    ])
    expect(r.remaining).toBe(10)
  })

  it('keeps a prefix of hunks and counts what was left out of a file', () => {
    const header =
      '--- a/one.txt\n'.length +
      '+++ b/one.txt\n'.length +
      'diff --git a/one.txt b/one.txt\n'.length
    const r = select(patch, header + Buffer.byteLength(small) + 1 + 5)
    expect(r.files.map((f) => [f.key, f.hunks.length, f.leftOut])).toEqual([['one.txt', 1, 1]])
    expect(r.files[0]?.hunks[0]?.text).toBe(`${small}\n`)
  })

  it('gives the same result however the stream is chunked', () => {
    const whole = select(patch, 700)
    for (const chunk of [1, 2, 3, 7, 11, 12, 13, 64]) {
      const r = select(patch, 700, { chunk })
      expect(r.files, `chunk ${chunk}`).toEqual(whole.files)
      expect(r.blocks, `chunk ${chunk}`).toEqual(whole.blocks)
    }
  })

  it('never keeps files it is told not to want, but still counts them', () => {
    const r = select(patch, 1e6, { wants: (k) => k !== 'one.txt' })
    expect(r.files.map((f) => f.key)).toEqual(['big.txt', 'two.txt', 'mode.sh'])
    expect(r.blocks[0]).toEqual({ key: 'one.txt', additions: 2, deletions: 2, binary: false })
  })

  it('measures the sanitized text, not the raw bytes', () => {
    const evil = patchOf([{ name: 'e.txt', hunks: [hunk(1, ['+a\u202eb'])] }])
    const rawSize = Buffer.byteLength(evil.replace(/^index .*\n/m, ''))
    expect(select(evil, rawSize).files).toEqual([])
    const kept = select(evil, rawSize + 20).files
    expect(kept[0]?.hunks[0]?.text).toContain('+a<U+202E>b')
  })

  it('treats content lines that look like headers as content', () => {
    const tricky = patchOf([
      {
        name: 'x.md',
        hunks: [
          hunk(1, ['+--- a/not-a-header', '+@@ not a hunk', '-+++ b/no', ' diff --git a/q b/q'])
        ]
      }
    ])
    const r = select(tricky, 1e6)
    expect(r.blocks).toEqual([{ key: 'x.md', additions: 2, deletions: 1, binary: false }])
    expect(r.files[0]?.hunks).toHaveLength(1)
  })
})

describe('hunkLineNumbers and applyCounts', () => {
  it('numbers new-file lines, and removed lines negatively in the old file', () => {
    const h = {
      text: '@@ -10,3 +20,3 @@\n ctx\n-old\n+new\n\\ No newline at end of file\n',
      oldStart: 10,
      newStart: 20
    }
    expect(hunkLineNumbers(h)).toEqual([20, 20, -11, 21, 21])
  })
  it('matches blocks by path, adds up split blocks, and falls back to position', () => {
    const list = parseRawNumstat(z(':1 1 a b M', 'x', ':1 1 a b T', 'y'))
    const blocks: BlockStats[] = [
      { key: 'x', additions: 1, deletions: 2, binary: false },
      { key: 'y', additions: 0, deletions: 3, binary: false },
      { key: 'y', additions: 4, deletions: 0, binary: false }
    ]
    expect(applyCounts(list, blocks).map((e) => [e.key, e.additions, e.deletions])).toEqual([
      ['x', 1, 2],
      ['y', 4, 3]
    ])
    const unread: BlockStats[] = [
      { additions: 5, deletions: 0, binary: false },
      { key: 'y', additions: 1, deletions: 1, binary: true }
    ]
    expect(applyCounts(list, unread).map((e) => [e.key, e.additions, e.binary])).toEqual([
      ['x', 5, false],
      ['y', 1, true]
    ])
  })
})
