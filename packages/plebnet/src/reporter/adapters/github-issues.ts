import type { IssueTracker } from '../reporter.ts'

/** Real ms one issue request may take. */
const REQUEST_TIMEOUT_MS = 10_000

/** Where issues go (AGENT.md §4 `[github]`). */
export interface GithubTarget {
  /** The REST API's base URL: `https://api.github.com`, or the world's tracker. */
  readonly apiUrl: string
  readonly owner: string
  readonly repo: string
  readonly token: string
}

/**
 * The issue tracker over GitHub's REST API (`POST /repos/{owner}/{repo}/issues`, token auth, JSON
 * `{title, body, labels}`; 201 with `number` and `html_url`). Any other answer rejects, naming the
 * status and never the token.
 */
export function createGithubIssueTracker(target: GithubTarget): IssueTracker {
  const url = `${target.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/issues`
  return {
    async create(issue) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/vnd.github+json',
          'content-type': 'application/json',
          'user-agent': 'dollynator-reporter',
          'x-github-api-version': '2022-11-28',
        },
        body: JSON.stringify({ title: issue.title, body: issue.body, labels: issue.labels }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
      const text = await response.text()
      if (response.status !== 201)
        throw new Error(`issue tracker answered ${response.status}: ${text.slice(0, 200)}`)
      let json: { number?: unknown; html_url?: unknown }
      try {
        json = JSON.parse(text) as { number?: unknown; html_url?: unknown }
      } catch {
        throw new Error('issue tracker answered 201 without JSON')
      }
      if (typeof json.number !== 'number' || !Number.isSafeInteger(json.number))
        throw new Error('issue tracker answered 201 without an issue number')
      return { number: json.number, url: typeof json.html_url === 'string' ? json.html_url : url }
    },
  }
}
