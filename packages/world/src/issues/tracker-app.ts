import { Hono } from 'hono'

/**
 * The world's issue tracker (issue 18): the part of GitHub's REST API the agents' error reporter
 * uses, so reports are exercised for real. `POST /repos/{owner}/{repo}/issues` with token auth
 * (`Authorization: Bearer <token>` or `token <token>`; 401 `Bad credentials` otherwise), JSON
 * `{title, body?, labels?}` (422 when invalid), 201 with the issue; `GET /repos/{owner}/{repo}/issues`
 * lists open issues newest first; `GET …/issues/{number}` one. Public reads, as for a public repository.
 */

/** An issue as the tracker stores and answers it (a subset of GitHub's issue object). */
export interface TrackerIssue {
  readonly number: number
  readonly owner: string
  readonly repo: string
  readonly title: string
  readonly body: string
  readonly labels: readonly { readonly name: string }[]
  readonly state: 'open'
  /** ISO 8601 (GitHub's `created_at`). */
  readonly created_at: string
  readonly html_url: string
  readonly url: string
  readonly user: { readonly login: string }
}

/** Where issues are kept. */
export interface IssueStore {
  /** Issues of `owner/repo`, any order. */
  list(owner: string, repo: string): Promise<TrackerIssue[]>
  /** Stores a new issue under the next number of its repository, and returns it. */
  create(issue: Omit<TrackerIssue, 'number' | 'html_url' | 'url'>): Promise<TrackerIssue>
}

/** GitHub's limits: a title of 256 characters, a body of 65,536. */
const MAX_TITLE = 256
const MAX_BODY = 65_536
const MAX_LABELS = 100
const NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/

/** The tracker's HTTP app over `store`; `token` is the one credential it accepts. */
export function createTrackerApp(deps: {
  readonly store: IssueStore
  readonly token: string
  /** ISO time now (the issue's `created_at`). */
  readonly nowIso: () => string
}): Hono {
  const app = new Hono()
  const bad = (message: string, status: 401 | 404 | 422) => ({
    message,
    documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
    status: String(status),
  })
  app.post('/repos/:owner/:repo/issues', async (c) => {
    const auth = c.req.header('authorization') ?? ''
    const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(auth.trim())
    if (match === null || match[1] !== deps.token) return c.json(bad('Bad credentials', 401), 401)
    const { owner, repo } = c.req.param()
    if (!NAME_RE.test(owner) || !NAME_RE.test(repo)) return c.json(bad('Not Found', 404), 404)
    let json: unknown
    try {
      json = await c.req.json()
    } catch {
      return c.json(bad('Problems parsing JSON', 422), 422)
    }
    const input = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
    const { title, body, labels } = input
    if (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE)
      return c.json(bad('Validation Failed: title', 422), 422)
    if (body !== undefined && body !== null && (typeof body !== 'string' || body.length > MAX_BODY))
      return c.json(bad('Validation Failed: body', 422), 422)
    if (
      labels !== undefined &&
      (!Array.isArray(labels) ||
        labels.length > MAX_LABELS ||
        !labels.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 50))
    )
      return c.json(bad('Validation Failed: labels', 422), 422)
    const issue = await deps.store.create({
      owner,
      repo,
      title,
      body: typeof body === 'string' ? body : '',
      labels: ((labels as string[] | undefined) ?? []).map((name) => ({ name })),
      state: 'open',
      created_at: deps.nowIso(),
      user: { login: 'dolly-agent' },
    })
    return c.json(issue, 201)
  })
  app.get('/repos/:owner/:repo/issues', async (c) => {
    const { owner, repo } = c.req.param()
    const issues = await deps.store.list(owner, repo)
    return c.json([...issues].sort((a, b) => b.number - a.number))
  })
  app.get('/repos/:owner/:repo/issues/:number', async (c) => {
    const { owner, repo, number } = c.req.param()
    const issue = (await deps.store.list(owner, repo)).find((i) => String(i.number) === number)
    return issue === undefined ? c.json(bad('Not Found', 404), 404) : c.json(issue)
  })
  app.notFound((c) => c.json(bad('Not Found', 404), 404))
  return app
}
