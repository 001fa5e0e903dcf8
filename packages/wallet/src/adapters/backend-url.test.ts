import { describe, expect, it } from 'vitest'
import { createVirtualClock } from '@dolly/base'
import { connectChainBackend } from './backend-url.ts'

const deps = { clock: createVirtualClock(0) }

describe('connectChainBackend', () => {
  it.each([
    ['http://user:secret@127.0.0.1:18443/', 'http://127.0.0.1:18443/'],
    ['esplora+https://blockstream.info/testnet/api/', 'https://blockstream.info/testnet/api/'],
    ['electrums://electrum.example:50002?insecure=1', 'electrums://electrum.example:50002?insecure=1'],
    ['electrum://127.0.0.1:50001', 'electrum://127.0.0.1:50001'],
  ])('understands %s and never shows its credentials', (url, display) => {
    const connection = connectChainBackend(url, deps, { timeoutMs: 1_000 })
    expect(connection.display).toBe(display)
    connection.close()
  })

  it.each(['ftp://x', 'not a url', 'electrum://hostonly'])('rejects %j as WALLET_BACKEND_CONFIG', (url) => {
    expect(() => connectChainBackend(url, deps, { timeoutMs: 1_000 })).toThrow(
      expect.objectContaining({ code: 'WALLET_BACKEND_CONFIG' }),
    )
  })
})
