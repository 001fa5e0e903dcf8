/** JSON API calls over a session: status and body checked, errors typed (CLOUDOMATE.md §13: 4xx user error, 429 rate limit). */
import type { AbortOptions } from '@dolly/base'
import type { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import type { HttpSession } from '../http/session.ts'

/**
 * Calls `method url` with a JSON body and parses the reply with `schema`.
 *
 * @throws CloudomateError CLOUDOMATE_API_ERROR (non-2xx or another shape), CLOUDOMATE_HTTP_FAILED
 */
export async function callJson<T>(
  session: HttpSession,
  provider: string,
  method: string,
  url: string,
  body: unknown,
  schema: z.ZodType<T>,
  options: AbortOptions & { headers?: Readonly<Record<string, string>> } = {},
): Promise<T> {
  const page = await session.json(method, url, body, options)
  let json: unknown
  try {
    json = JSON.parse(page.body)
  } catch {
    json = undefined
  }
  if (page.status < 200 || page.status >= 300) {
    const message =
      typeof json === 'object' && json !== null
        ? replyMessage(
            (json as Record<string, unknown>)['detail'] ?? (json as Record<string, unknown>)['message'] ?? '',
          )
        : page.body.slice(0, 200)
    throw new CloudomateError(
      'CLOUDOMATE_API_ERROR',
      `${provider}: ${method} ${new URL(url).pathname} answered HTTP ${page.status}: ${message}`,
      {
        provider,
        status: page.status,
        message,
      },
    )
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    throw new CloudomateError(
      'CLOUDOMATE_API_ERROR',
      `${provider}: ${method} ${new URL(url).pathname} answered another shape: ${parsed.error.message}`,
      {
        provider,
        issues: parsed.error.issues,
      },
    )
  }
  return parsed.data
}

/**
 * The human part of an error reply. Not `String(v)`: a reply like `{"detail":{"toString":1}}` makes
 * that throw a TypeError instead of our coded error (found by the fuzz suite).
 */
function replyMessage(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '').slice(0, 200)
}
