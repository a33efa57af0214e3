import { describe, expect, it } from 'vitest'
import {
  ConformanceError,
  allowUnknownFormats,
  describeViolation,
  newAjv,
  toJsonSchema
} from '../../emulators/conformance.ts'
import { ENDPOINTS, devinConformance } from '../../emulators/devin-schema.ts'
import { startDevinEmulator } from '../../emulators/devin.ts'
import { startGitHubEmulator } from '../../emulators/github.ts'
import type {
  CollaboratorPermissionJson,
  DiffEntryJson,
  IssueJson,
  PullRequestJson
} from '../../emulators/github-json.ts'
import type { RecordedRequest } from '../../emulators/http.ts'
import { descriptionLoadStats, githubConformance } from '../../emulators/openapi.ts'
import { ORG, call, create, devin, gh, github, post } from './helpers.ts'

const pull = {
  number: 7,
  title: 'Add mul',
  user: { login: 'alice' },
  head: { ref: 'feat', sha: 'b'.repeat(40) },
  base: { ref: 'main', sha: 'a'.repeat(40) },
  files: [
    {
      filename: 'src/a.ts',
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: '+x'
    }
  ]
}
const tokens = {
  ghs_test_token: { login: 'github-actions[bot]', type: 'Bot' as const, installation: true },
  ghp_alice: { login: 'alice', type: 'User' as const }
}

const request = (method: string, path: string, json?: unknown): RecordedRequest => ({
  method,
  path,
  query: {},
  headers: {},
  body: json === undefined ? '' : JSON.stringify(json),
  ...(json === undefined ? {} : { json }),
  at: 0
})

describe('OpenAPI 3.0 schemas for Ajv', () => {
  const ajv = newAjv()
  const compile = (schema: unknown) => {
    const js = toJsonSchema(schema, { ref: (r) => r, closeObjects: true }) as object
    allowUnknownFormats(ajv, js)
    return ajv.compile(js)
  }

  it('honours nullable with a type, with an enum, and with no type at all', () => {
    const typed = compile({ type: 'string', nullable: true })
    expect([typed('x'), typed(null), typed(1)]).toEqual([true, true, false])
    const listed = compile({ type: 'string', enum: ['a'], nullable: true })
    expect([listed('a'), listed(null), listed('b')]).toEqual([true, true, false])
    const untyped = compile({ oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true })
    expect([untyped('x'), untyped(3), untyped(null), untyped(true)]).toEqual([
      true,
      true,
      true,
      false
    ])
  })

  it('accepts formats it does not know instead of failing to compile', () => {
    const v = compile({ type: 'string', format: 'repo.nwo', example: 'o/r', 'x-github': {} })
    expect(v('octo/hello')).toBe(true)
    const date = compile({ type: 'string', format: 'date-time' })
    expect([date('2024-01-01T00:00:00Z'), date('yesterday')]).toEqual([true, false])
  })

  it('closes objects that list properties, except the branches of an allOf', () => {
    const closed = compile({ type: 'object', properties: { a: { type: 'string' } } })
    expect([closed({ a: 'x' }), closed({ a: 'x', b: 1 })]).toEqual([true, false])
    const composed = compile({
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } } },
        { type: 'object', properties: { b: { type: 'integer' } } }
      ]
    })
    expect(composed({ a: 'x', b: 1 })).toBe(true)
  })
})

describe('GitHub conformance (checked against @octokit/openapi)', () => {
  it('serves only documented operations: every emulator route names one', async () => {
    const emu = await github({ tokens })
    const check = githubConformance(emu.routeList())
    const found = emu.routeList().map((r) => {
      const path = r.pattern.replace(/:\w+/g, '1')
      return [r.method, r.pattern, check.request(request(r.method, path, undefined))]
    })
    for (const [method, pattern, f] of found) {
      const finding = f as { operation?: string; problems: string[] }
      expect(finding.operation, `${String(method)} ${String(pattern)}`).toBeDefined()
      expect(finding.problems.filter((p) => /serve|no operation|documents/.test(p))).toEqual([])
    }
    expect(new Set(found.map(([, , f]) => (f as { operation: string }).operation)).size).toBe(
      found.length
    )
  })

  it('catches a request with an undocumented body field, query parameter or route', async () => {
    const emu = await github({ tokens, pulls: [pull] })
    const posted = await gh(emu, '/repos/octo/hello/issues/7/comments', {
      method: 'POST',
      body: JSON.stringify({ body: 'hi', sticky: true })
    })
    expect(posted.status).toBe(201)
    await gh(emu, '/repos/octo/hello/pulls/7/files?per_page=100&filter=all')
    await gh(emu, '/repos/octo/hello/pulls/7/files?per_page=many')
    await gh(emu, '/repos/octo/hello/contents/README.md')
    await gh(emu, '/repos/octo/hello/sticky-comments')
    expect(emu.takeViolations().map(describeViolation)).toEqual([
      'GitHub request POST /repos/octo/hello/issues/7/comments (issues/create-comment): ' +
        "body has undocumented field 'sticky'",
      'GitHub request GET /repos/octo/hello/pulls/7/files (pulls/list-files): ' +
        "query has undocumented field 'filter'",
      'GitHub request GET /repos/octo/hello/pulls/7/files (pulls/list-files): ' +
        'query/per_page must be integer, not "many"',
      'GitHub request GET /repos/octo/hello/contents/README.md (GET /repos/{owner}/{repo}/contents/{path}): ' +
        'GitHub documents this operation, but the emulator does not serve it',
      'GitHub request GET /repos/octo/hello/sticky-comments: ' +
        "no operation in GitHub's description matches GET /repos/octo/hello/sticky-comments"
    ])
  })

  it('catches an answer that lost a required field or gained an undocumented one', async () => {
    const emu = await github({ tokens, pulls: [pull] })
    emu.alterAnswers({ method: 'GET', path: /\/pulls\/7$/ }, (reply) => {
      const { head: _head, ...rest } = reply.json as Record<string, unknown>
      return { ...reply, json: { ...rest, mergeable_reason: 'clean' } }
    })
    emu.alterAnswers({ method: 'POST', path: /\/comments$/ }, (reply) => ({
      ...reply,
      status: 200
    }))
    expect((await gh(emu, '/repos/octo/hello/pulls/7')).status).toBe(200)
    await gh(emu, '/repos/octo/hello/issues/7/comments', {
      method: 'POST',
      body: JSON.stringify({ body: 'hi' })
    })
    const seen = emu.takeViolations()
    expect(seen.map((v) => [v.side, v.status, v.operation])).toEqual([
      ['answer', 200, 'pulls/get'],
      ['answer', 200, 'issues/create-comment']
    ])
    expect(seen[0]?.problems).toEqual([
      "body must have required property 'head'",
      "body has undocumented field 'mergeable_reason'"
    ])
    expect(seen[1]?.problems).toEqual(['status 200 is not documented (201, 403, 404, 410, 422)'])
  })

  it('holds check runs to the description: an update with a create-only field, an answer without its App', async () => {
    const emu = await github({ tokens, pulls: [pull] })
    const runs = '/repos/octo/hello/check-runs'
    const send = (method: string, path: string, body: object) =>
      gh(emu, path, { method, body: JSON.stringify(body) })
    const created = (await (
      await send('POST', runs, { name: 'Devin', head_sha: 'b'.repeat(40), status: 'in_progress' })
    ).json()) as { id: number }
    expect(emu.takeViolations()).toEqual([])
    // `head_sha` names the commit of a create only; an update that sends it again is drift.
    await send('PATCH', `${runs}/${created.id}`, {
      head_sha: 'b'.repeat(40),
      conclusion: 'success'
    })
    emu.alterAnswers({ method: 'GET', path: `${runs}/${created.id}` }, (reply) => {
      const { app: _app, ...rest } = reply.json as Record<string, unknown>
      return { ...reply, json: rest }
    })
    await gh(emu, `${runs}/${created.id}`)
    expect(emu.takeViolations().map(describeViolation)).toEqual([
      `GitHub request PATCH ${runs}/${created.id} (checks/update): body has undocumented field 'head_sha'`,
      `GitHub answer GET ${runs}/${created.id} → 200 (checks/get): body must have required property 'app'`
    ])
  })

  it('takes an undocumented 422 in validation-error’s shape, any other error in basic-error’s only', () => {
    const check = githubConformance([{ method: 'POST', pattern: '/repos/:owner/:repo/check-runs' }])
    const req = request('POST', '/repos/octo/hello/check-runs', { name: 'n', head_sha: 'x' })
    const errors = [{ resource: 'CheckRun', code: 'custom', field: 'summary' }]
    const listed = { message: 'Validation Failed', documentation_url: 'd', errors }
    expect(check.answer(req, { status: 422, json: listed }).problems).toEqual([])
    expect(check.answer(req, { status: 403, json: listed }).problems).toEqual([
      "body has undocumented field 'errors'"
    ])
    expect(check.answer(req, { status: 422, json: { ...listed, errors: [{}] } }).problems).toEqual([
      "body has undocumented field 'errors'"
    ])
  })

  it('fails close() with every violation no test took, and names what it expected but missed', async () => {
    const emu = await startGitHubEmulator({ owner: 'octo', repo: 'hello', tokens, pulls: [pull] })
    await gh(emu, '/repos/octo/hello/issues/7/comments', {
      method: 'POST',
      body: JSON.stringify({ body: 'hi', extra: 1 })
    })
    emu.expectViolation(/never happens/)
    const closing = emu.close()
    await expect(closing).rejects.toBeInstanceOf(ConformanceError)
    await expect(closing).rejects.toThrow(/undocumented field 'extra'/)
    await expect(closing).rejects.toThrow(/expected a violation matching \/never happens\/; none/)
  })

  it('lets a test excuse a deliberate deviation it names, and only that one', async () => {
    const emu = await startGitHubEmulator({ owner: 'octo', repo: 'hello', tokens, pulls: [pull] })
    emu.expectViolation(/undocumented field 'extra'/)
    await gh(emu, '/repos/octo/hello/issues/7/comments', {
      method: 'POST',
      body: JSON.stringify({ body: 'hi', extra: 1 })
    })
    await expect(emu.close()).resolves.toBeUndefined()
  })

  it('answers GET /user as GitHub does: 403 to an installation token, the account to a PAT', async () => {
    const emu = await github({ tokens })
    const installation = await gh(emu, '/user')
    expect(installation.status).toBe(403)
    expect(await installation.json()).toMatchObject({
      message: 'Resource not accessible by integration'
    })
    const pat = await gh(emu, '/user', {}, 'ghp_alice')
    expect(await pat.json()).toMatchObject({
      login: 'alice',
      user_view_type: 'private',
      two_factor_authentication: true
    })
    // The prefix decides, as on GitHub: a `ghs_` token is an installation's even if not declared.
    const declared = await github({ tokens: { ghs_plain: { login: 'app[bot]', type: 'Bot' } } })
    expect((await gh(declared, '/user', {}, 'ghs_plain')).status).toBe(403)
    // Every answer was checked: a 403 in basic-error's shape, a 200 as private-user.
    expect(emu.requests.map((r) => r.answer)).toEqual([403, 200])
    expect(emu.checked).toContain('users/get-authenticated')
  })

  it('gives full resources: a pull request, its files, its issue, a comment, a permission', async () => {
    const emu = await github({ tokens, pulls: [pull], permissions: { alice: 'write' } })
    const pr = (await (await gh(emu, '/repos/octo/hello/pulls/7')).json()) as PullRequestJson
    expect(pr).toMatchObject({
      number: 7,
      state: 'open',
      merged: false,
      changed_files: 1,
      author_association: 'COLLABORATOR',
      _links: { html: { href: 'https://github.com/octo/hello/pull/7' } },
      head: { label: 'octo:feat', repo: { full_name: 'octo/hello', fork: false } }
    })
    expect(pr.head.repo.clone_url).toBe('https://github.com/octo/hello.git')
    const files = (await (
      await gh(emu, '/repos/octo/hello/pulls/7/files')
    ).json()) as DiffEntryJson[]
    expect(files[0]).toMatchObject({
      filename: 'src/a.ts',
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      blob_url: `https://github.com/octo/hello/blob/${'b'.repeat(40)}/src/a.ts`
    })
    const issue = (await (await gh(emu, '/repos/octo/hello/issues/7')).json()) as IssueJson
    expect(issue.pull_request?.diff_url).toBe('https://github.com/octo/hello/pull/7.diff')
    const perm = (await (
      await gh(emu, '/repos/octo/hello/collaborators/alice/permission')
    ).json()) as CollaboratorPermissionJson
    expect(perm.user).toMatchObject({ role_name: 'write', permissions: { push: true } })
  })

  it('points web links at the server it is told (GitHub Enterprise Server)', async () => {
    const emu = await github({ tokens, pulls: [pull], serverUrl: 'https://ghe.example.com/' })
    const pr = (await (await gh(emu, '/repos/octo/hello/pulls/7')).json()) as PullRequestJson
    expect(pr.html_url).toBe('https://ghe.example.com/octo/hello/pull/7')
    expect(pr.url).toBe(`${emu.url}/repos/octo/hello/pulls/7`)
    expect(pr.head.repo.ssh_url).toBe('git@ghe.example.com:octo/hello.git')
  })

  it('serves the API under its mount only, as Enterprise Server does under /api/v3', async () => {
    const emu = await github({ tokens, pulls: [pull], apiPath: '/api/v3/' })
    expect(emu.url).toMatch(/\/api\/v3$/)
    const pr = (await (await gh(emu, '/repos/octo/hello/pulls/7')).json()) as PullRequestJson
    expect(pr.url).toBe(`${emu.url}/repos/octo/hello/pulls/7`)
    const outside = await fetch(`${emu.url.replace(/\/api\/v3$/, '')}/repos/octo/hello/pulls/7`, {
      headers: { authorization: `token ${Object.keys(tokens)[0]}` }
    })
    expect(outside.status).toBe(404)
    // A client that dropped the mount is a drift the teardown reports, not a quiet 404.
    expect(emu.takeViolations().map((v) => [`${v.method} ${v.path}`, v.problems])).toEqual([
      ['GET /repos/octo/hello/pulls/7', ['outside the API, which is mounted at /api/v3']]
    ])
  })

  it('reads the description once per process', async () => {
    await (await github({ tokens })).close()
    const emu = await github({ tokens })
    await gh(emu, '/user')
    const stats = descriptionLoadStats()
    expect(stats).toBeDefined()
    // A second emulator in the same process did not load it again.
    const before = stats
    await gh(await github({ tokens }), '/user')
    expect(descriptionLoadStats()).toBe(before)
  })
})

describe('Devin conformance (checked against shared/reference/devin-api.md)', () => {
  it('has a documented endpoint for every route but the storage stand-in', async () => {
    const emu = await devin()
    const served = emu
      .routeList()
      .filter((r) => !r.pattern.startsWith('/files/'))
      .map((r) => `${r.method} ${r.pattern.replace(/:(\w+)/g, (_, k: string) => `{${k}}`)}`)
    const documented = ENDPOINTS.map((e) => `${e.method} ${e.template}`)
    const shape = (s: string) => s.replace(/\{[^}]+\}/g, '{}')
    expect(new Set(served.map(shape))).toEqual(new Set(documented.map(shape)))
  })

  it('catches v1 fields and wrong types in a create, and a message body with extras', async () => {
    const emu = await devin()
    const id = await create(emu, { prompt: 'p', idempotent: true })
    // Answered 422 by the emulator as by FastAPI, and recorded: no client should send it.
    expect((await post(emu, `${ORG}/sessions`, { prompt: 'p', tags: 'one' })).status).toBe(422)
    await post(emu, `${ORG}/sessions`, { prompt: 'p', max_acu_limit: '5' })
    await post(emu, `${ORG}/sessions/${id}/messages`, { message: 'hi', urgent: true })
    await call(emu, `${ORG}/sessions?limit=1`)
    expect(emu.takeViolations().map(describeViolation)).toEqual([
      `Devin request POST ${ORG}/sessions (§1.4 create session): body has undocumented field 'idempotent'`,
      `Devin request POST ${ORG}/sessions (§1.4 create session): body/tags must be array or null, not "one"`,
      `Devin request POST ${ORG}/sessions (§1.4 create session): body/max_acu_limit must be number or null, not "5"`,
      `Devin request POST ${ORG}/sessions/${id}/messages (§1.8 send message): body has undocumented field 'urgent'`,
      `Devin request GET ${ORG}/sessions (§1.7 list sessions): query has undocumented field 'limit'`
    ])
  })

  it('catches a session answer without a required field, with a stray field, off the enum', async () => {
    const emu = await devin()
    const id = await create(emu)
    emu.alterAnswers({ method: 'GET' }, (reply) => {
      const { org_id: _org, ...rest } = reply.json as Record<string, unknown>
      return { ...reply, json: { ...rest, messages: [] } }
    })
    await call(emu, `${ORG}/sessions/${id}`)
    const problems = emu.takeViolations().flatMap((v) => v.problems)
    expect(problems).toEqual([
      "body must have required property 'org_id'",
      "body has undocumented field 'messages'"
    ])
    const fresh = await devin()
    const other = await create(fresh)
    fresh.setSession(other, { status: 'running', status_detail: 'pondering' })
    await call(fresh, `${ORG}/sessions/${other}`)
    expect(fresh.takeViolations().flatMap((v) => v.problems)).toEqual([
      'body/status_detail is "pondering", not one of ["working","waiting_for_user","waiting_for_approval","finished","inactivity","user_request","usage_limit_exceeded","out_of_credits","out_of_quota","no_quota_allocation","payment_declined","org_usage_limit_exceeded","total_session_limit_exceeded","error",null]'
    ])
  })

  it('holds errors to the problem shape, or FastAPI validation for a 422', () => {
    const req = request('POST', `${ORG}/sessions`, { prompt: 'p' })
    const problem = { type: 'about:blank', title: 'Forbidden', status: 403, detail: 'no' }
    expect(devinConformance.answer(req, { status: 403, json: problem }).problems).toEqual([])
    expect(devinConformance.answer(req, { status: 403, json: { detail: 'no' } }).problems).toEqual([
      "body must have required property 'title'",
      "body must have required property 'status'"
    ])
    const fastapi = {
      detail: [{ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' }]
    }
    expect(devinConformance.answer(req, { status: 422, json: fastapi }).problems).toEqual([])
    expect(devinConformance.answer(req, { status: 201, json: {} }).problems).toEqual([
      'status 201 is not documented (200)'
    ])
  })

  it('fails close() on what was left', async () => {
    const emu = await startDevinEmulator({})
    await post(emu, `${ORG}/sessions`, { prompt: 'p', snapshot_id: 'snap' })
    await expect(emu.close()).rejects.toThrow(/undocumented field 'snapshot_id'/)
  })
})
