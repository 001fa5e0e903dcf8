import { errorCode } from '@dolly/base'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { assertHostsSupported } from './preflight.ts'

function codeOf(fn: () => void): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    return errorCode(err)
  }
}

describe('assertHostsSupported', () => {
  const platform = Object.getOwnPropertyDescriptor(process, 'platform')

  afterEach(() => {
    if (platform !== undefined) Object.defineProperty(process, 'platform', platform)
    vi.restoreAllMocks()
  })

  it('refuses anything but Linux with WORLD_HOSTS_NOT_LINUX', () => {
    Object.defineProperty(process, 'platform', { value: 'darwin' })
    expect(codeOf(assertHostsSupported)).toBe('WORLD_HOSTS_NOT_LINUX')
  })

  it('refuses a non-root user on Linux with WORLD_HOSTS_NOT_ROOT', () => {
    Object.defineProperty(process, 'platform', { value: 'linux' })
    vi.spyOn(process, 'getuid').mockReturnValue(1000)
    expect(codeOf(assertHostsSupported)).toBe('WORLD_HOSTS_NOT_ROOT')
  })

  it('lets root on Linux through', () => {
    Object.defineProperty(process, 'platform', { value: 'linux' })
    vi.spyOn(process, 'getuid').mockReturnValue(0)
    expect(codeOf(assertHostsSupported)).toBeUndefined()
  })
})
