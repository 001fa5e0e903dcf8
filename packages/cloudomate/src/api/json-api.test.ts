import { createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHttpSession } from '../http/session.ts'
import { callJson } from './json-api.ts'

function sessionAnswering(status: number, body: string) {
  const send = async (): Promise<Response> =>
    new Response(body, { status, headers: { 'content-type': 'application/json' } })
  return createHttpSession(
    { send, clock: createVirtualClock(0), rng: createSeededRng('json-api') },
    { minIntervalMs: 0 },
  )
}

const call = (status: number, body: string): Promise<unknown> =>
  callJson(sessionAnswering(status, body), 'p', 'GET', 'https://api.example/x', undefined, z.object({}))

describe('callJson', () => {
  it('turns an error reply whose detail is not a string into CLOUDOMATE_API_ERROR (found by the fuzz suite)', async () => {
    for (const body of [
      '{"detail":[{"toString":1}]}',
      '{"detail":{"toString":1}}',
      '{"message":{"valueOf":null,"toString":null}}',
    ]) {
      const err = await call(404, body).catch((e: unknown) => e)
      expect(errorCode(err), body).toBe('CLOUDOMATE_API_ERROR')
    }
  })

  it('keeps a string detail as the message', async () => {
    const err = await call(401, '{"detail":"bad token"}').catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: 'CLOUDOMATE_API_ERROR',
      details: { message: 'bad token', status: 401 },
    })
  })
})
