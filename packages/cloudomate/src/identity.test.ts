import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, generatePassword } from './identity.ts'
import { WHMCS_REQUIRED } from './settings.ts'

describe('generated identities', () => {
  it('fill every WHMCS setting, with strong passwords and a plus-alias of the operator mailbox', () => {
    const id = generateIdentity(createSeededRng('id'), { mailbox: 'ops@example.org' })
    for (const key of WHMCS_REQUIRED) expect(id[key], key).toBeTruthy()
    expect(id.email).toMatch(/^ops\+[a-z0-9.]+@example\.org$/)
    expect(id.password).toMatch(/^[A-Za-z0-9]{20}$/)
    expect(id.root_password).not.toBe(id.password)
    expect(id.hostname).toMatch(/^[a-z][a-z0-9]*\.example\.org$/)
  })

  it('are reproducible from a seed and differ between seeds', () => {
    expect(generateIdentity(createSeededRng('a'))).toEqual(generateIdentity(createSeededRng('a')))
    expect(generatePassword(createSeededRng('a'))).not.toBe(generatePassword(createSeededRng('b')))
  })
})
