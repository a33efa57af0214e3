/**
 * The GitHub emulator's resources as api.github.com returns them: every field GitHub's OpenAPI
 * description marks required, with plausible values (URLs that follow GitHub's patterns, stable
 * ids and node ids, timestamps), and no field it does not document. Typed with
 * @octokit/openapi-types so the compiler checks the shapes; ./openapi.ts checks the values at
 * run time against the description itself.
 */

import { createHash } from 'node:crypto'
import type { components } from '@octokit/openapi-types'
import type { Reply } from './http.ts'

type Schemas = components['schemas']
type SimpleUser = Schemas['simple-user']
export type Integration = NonNullable<Schemas['nullable-integration']>
type IssueCommentJson = Schemas['issue-comment']
export type PullRequestJson = Schemas['pull-request']
type PullRequestSimpleJson = Schemas['pull-request-simple']
export type RepositoryJson = Schemas['repository']
type FullRepositoryJson = Schemas['full-repository']
export type DiffEntryJson = Schemas['diff-entry']
export type IssueJson = Schemas['issue']
type ReactionJson = Schemas['reaction']
type PrivateUserJson = Schemas['private-user']
export type CollaboratorPermissionJson = Schemas['repository-collaborator-permission']
export type UserType = 'Bot' | 'User' | 'Organization'

/** Where the emulated GitHub lives: its REST API (the emulator's URL) and its web pages. */
export interface Site {
  api: string
  web: string
}

const DOCS = 'https://docs.github.com/rest'

/**
 * GitHub's error body. Real 422s carry a `status` too, but the description's `validation-error`
 * does not document it, and the description is what this emulator is held to.
 */
export function ghError(status: number, message: string, extra: object = {}): Reply {
  const json =
    status === 422
      ? { message, documentation_url: DOCS, ...extra }
      : { message, documentation_url: DOCS, status: String(status), ...extra }
  return { status, json }
}

/** A fixed moment for what existed before the test (accounts, repositories, Apps). */
const EPOCH = '2020-01-01T00:00:00Z'

/** A stable positive id for a name: the same login always gets the same id. */
export const stableId = (name: string): number =>
  [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 100_000_000, 7) + 1000

/** GitHub's global node ids are a type prefix and an opaque base64 key. */
export const nodeId = (prefix: string, key: string | number): string =>
  `${prefix}_kwDO${Buffer.from(String(key)).toString('base64url')}`

/** A pull request's id, the same in every answer that shows it. */
export const pullId = (slug: string, n: number): number => 500_000_000 + stableId(`${slug}#${n}`)

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex')

/** An App's bot account is `<slug>[bot]`. */
export function botSlug(login: string): string | undefined {
  return /^(.+)\[bot\]$/i.exec(login)?.[1]
}

export function simpleUser(site: Site, login: string, type: UserType = 'User'): SimpleUser {
  const url = `${site.api}/users/${encodeURIComponent(login)}`
  const slug = botSlug(login)
  const id = stableId(login)
  return {
    login,
    id,
    node_id: nodeId(type === 'Bot' ? 'BOT' : type === 'Organization' ? 'O' : 'U', login),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: type === 'Bot' && slug ? `${site.web}/apps/${slug}` : `${site.web}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false
  }
}

/** `GET /user` for a person's token: the account with its private counters. */
export function privateUser(site: Site, login: string, type: UserType = 'User'): PrivateUserJson {
  return {
    ...simpleUser(site, login, type),
    user_view_type: 'private',
    name: login,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 3,
    public_gists: 0,
    followers: 1,
    following: 0,
    created_at: EPOCH,
    updated_at: EPOCH,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 1024,
    collaborators: 0,
    two_factor_authentication: true
  }
}

/** The App whose token wrote something, as `performed_via_github_app` shows it. */
export function integration(site: Site, slug: string, owner: string): Integration {
  // The default GITHUB_TOKEN's App, as api.github.com shows it.
  const actions = slug === 'github-actions'
  return {
    id: actions ? 15368 : stableId(`app/${slug}`),
    slug,
    node_id: nodeId('A', slug),
    owner: simpleUser(site, actions ? 'github' : owner, 'Organization'),
    name: actions ? 'GitHub Actions' : slug,
    description: actions ? 'Automate your workflow from idea to production' : null,
    external_url: actions ? 'https://help.github.com/en/actions' : `https://example.com/${slug}`,
    html_url: `${site.web}/apps/${slug}`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2024-04-10T20:33:16Z',
    permissions: {
      issues: 'write',
      pull_requests: 'write',
      checks: 'write',
      metadata: 'read',
      contents: 'read'
    },
    events: []
  }
}

interface RepoFacts {
  fullName: string
  fork: boolean
  defaultBranch: string
  private?: boolean
}

export function repository(site: Site, r: RepoFacts): RepositoryJson {
  const [owner = '', name = ''] = r.fullName.split('/')
  const url = `${site.api}/repos/${r.fullName}`
  const web = `${site.web}/${r.fullName}`
  const host = new URL(site.web).host
  return {
    id: stableId(`repo/${r.fullName}`),
    node_id: nodeId('R', r.fullName),
    name,
    full_name: r.fullName,
    license: null,
    forks: 0,
    owner: simpleUser(site, owner, 'Organization'),
    private: r.private ?? false,
    html_url: web,
    description: null,
    fork: r.fork,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${r.fullName}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${host}:${r.fullName}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${web}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: web,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 108,
    default_branch: r.defaultBranch,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: r.private ? 'private' : 'public',
    pushed_at: EPOCH,
    created_at: EPOCH,
    updated_at: EPOCH,
    open_issues: 0,
    watchers: 0
  }
}

/** `GET /repos/{owner}/{repo}`: the repository with the counters only that answer carries. */
export function fullRepository(site: Site, r: RepoFacts): FullRepositoryJson {
  return {
    ...repository(site, r),
    pushed_at: EPOCH,
    created_at: EPOCH,
    updated_at: EPOCH,
    has_discussions: false,
    network_count: 0,
    subscribers_count: 0
  }
}

export interface FileFacts {
  filename: string
  status: string
  additions: number
  deletions: number
  changes: number
  patch?: string
  previous_filename?: string
}

/** One row of `GET …/pulls/{n}/files`; `ref` is the head commit the blob URLs point at. */
export function diffEntry(site: Site, slug: string, ref: string, f: FileFacts): DiffEntryJson {
  const path = f.filename.split('/').map(encodeURIComponent).join('/')
  const entry: DiffEntryJson = {
    sha: f.status === 'removed' ? null : sha1(`blob ${f.filename}\0${f.patch ?? ''}`),
    filename: f.filename,
    status: f.status as DiffEntryJson['status'],
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    blob_url: `${site.web}/${slug}/blob/${ref}/${path}`,
    raw_url: `${site.web}/${slug}/raw/${ref}/${path}`,
    contents_url: `${site.api}/repos/${slug}/contents/${path}?ref=${ref}`
  }
  if (f.patch !== undefined) entry.patch = f.patch
  if (f.previous_filename !== undefined) entry.previous_filename = f.previous_filename
  return entry
}

export interface PullFacts {
  number: number
  title: string
  body: string | null
  draft: boolean
  state: 'open' | 'closed'
  user: SimpleUser
  head: { ref: string; sha: string; repo: RepositoryJson }
  base: { ref: string; sha: string; repo: RepositoryJson }
  createdAt: string
  authorAssociation: Schemas['author-association']
  files: FileFacts[]
}

/** What `GET /pulls` lists: a pull request without the counters and merge state. */
export function pullRequestSimple(site: Site, slug: string, p: PullFacts): PullRequestSimpleJson {
  const url = `${site.api}/repos/${slug}/pulls/${p.number}`
  const issue = `${site.api}/repos/${slug}/issues/${p.number}`
  const html = `${site.web}/${slug}/pull/${p.number}`
  const statuses = `${site.api}/repos/${slug}/statuses/${p.head.sha}`
  const side = (s: PullFacts['head']) => ({
    label: `${s.repo.owner.login}:${s.ref}`,
    ref: s.ref,
    sha: s.sha,
    user: s.repo.owner,
    repo: s.repo
  })
  return {
    url,
    id: pullId(slug, p.number),
    node_id: nodeId('PR', `${slug}#${p.number}`),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${site.api}/repos/${slug}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: statuses,
    number: p.number,
    state: p.state as string,
    locked: false,
    title: p.title,
    user: p.user,
    body: p.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.createdAt,
    closed_at: p.state === 'closed' ? p.createdAt : null,
    merged_at: null,
    merge_commit_sha: sha1(`merge ${p.base.sha} ${p.head.sha}`),
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(p.head),
    base: side(p.base),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${site.api}/repos/${slug}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statuses }
    },
    author_association: p.authorAssociation,
    auto_merge: null,
    draft: p.draft
  }
}

/** `GET /pulls/{n}`: the full pull request. */
export function pullRequest(site: Site, slug: string, p: PullFacts): PullRequestJson {
  const simple = pullRequestSimple(site, slug, p)
  return {
    ...simple,
    state: p.state,
    user: p.user,
    head: { ...simple.head, user: p.head.repo.owner },
    base: { ...simple.base, user: p.base.repo.owner },
    merged: false,
    mergeable: true,
    rebaseable: true,
    mergeable_state: 'clean',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: p.files.reduce((n, f) => n + f.additions, 0),
    deletions: p.files.reduce((n, f) => n + f.deletions, 0),
    changed_files: p.files.length
  }
}

interface IssueFacts {
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  user: SimpleUser
  createdAt: string
  comments: number
  authorAssociation: Schemas['author-association']
  /** Set when the issue is a pull request's. */
  pull?: boolean
}

export function issue(site: Site, slug: string, i: IssueFacts): IssueJson {
  const url = `${site.api}/repos/${slug}/issues/${i.number}`
  const html = `${site.web}/${slug}/${i.pull ? 'pull' : 'issues'}/${i.number}`
  const json: IssueJson = {
    id: 700_000_000 + stableId(`${slug}#${i.number}`),
    node_id: nodeId(i.pull ? 'PR' : 'I', `${slug}#${i.number}`),
    url,
    repository_url: `${site.api}/repos/${slug}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: i.user,
    labels: [],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: i.comments,
    closed_at: i.state === 'closed' ? i.createdAt : null,
    created_at: i.createdAt,
    updated_at: i.createdAt,
    author_association: i.authorAssociation
  }
  if (i.pull) {
    const pull = `${site.web}/${slug}/pull/${i.number}`
    json.pull_request = {
      url: `${site.api}/repos/${slug}/pulls/${i.number}`,
      html_url: pull,
      diff_url: `${pull}.diff`,
      patch_url: `${pull}.patch`,
      merged_at: null
    }
    json.draft = false
  }
  return json
}

interface CommentFacts {
  id: number
  issue: number
  body: string
  user: SimpleUser
  createdAt: string
  updatedAt: string
  pull: boolean
  authorAssociation: Schemas['author-association']
  app: Integration | null
}

export function issueComment(site: Site, slug: string, c: CommentFacts): IssueCommentJson {
  return {
    id: c.id,
    node_id: nodeId('IC', c.id),
    url: `${site.api}/repos/${slug}/issues/comments/${c.id}`,
    html_url: `${site.web}/${slug}/${c.pull ? 'pull' : 'issues'}/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${site.api}/repos/${slug}/issues/${c.issue}`,
    body: c.body,
    user: c.user,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: c.authorAssociation,
    performed_via_github_app: c.app
  }
}

export function reaction(r: {
  id: number
  user: SimpleUser
  content: string
  createdAt: string
}): ReactionJson {
  return {
    id: r.id,
    node_id: nodeId('REA', r.id),
    user: r.user,
    content: r.content as ReactionJson['content'],
    created_at: r.createdAt
  }
}

/** The finer role, the legacy permission it folds into, and what the role may do. */
const ROLES: Record<string, { legacy: string; can: Record<string, boolean> }> = {
  admin: { legacy: 'admin', can: { admin: true, maintain: true, push: true, triage: true } },
  maintain: { legacy: 'write', can: { admin: false, maintain: true, push: true, triage: true } },
  write: { legacy: 'write', can: { admin: false, maintain: false, push: true, triage: true } },
  triage: { legacy: 'read', can: { admin: false, maintain: false, push: false, triage: true } },
  read: { legacy: 'read', can: { admin: false, maintain: false, push: false, triage: false } },
  none: { legacy: 'none', can: { admin: false, maintain: false, push: false, triage: false } }
}

/** `GET …/collaborators/{username}/permission`, for a role (`none` for a stranger). */
export function collaboratorPermission(
  site: Site,
  login: string,
  role: string
): CollaboratorPermissionJson {
  const r = ROLES[role] ?? ROLES.none ?? { legacy: 'none', can: {} }
  const pull = role !== 'none'
  return {
    permission: r.legacy,
    role_name: role,
    user: {
      ...simpleUser(site, login),
      permissions: {
        pull,
        push: r.can.push ?? false,
        admin: r.can.admin ?? false,
        maintain: r.can.maintain ?? false,
        triage: r.can.triage ?? false
      },
      role_name: role
    }
  }
}
