import { describe, expect, it } from 'vitest'
import { createElectrumChain, createElectrumClient, createEsploraChain } from '@dolly/wallet'

// Opt-in live runs of the read-only half of the backend checks (the recorded tests cover the rest).
// Skipped unless a server is named, because CI has no Internet.
const esploraUrl = process.env['DOLLY_LIVE_ESPLORA_URL']
const electrum = process.env['DOLLY_LIVE_ELECTRUM'] // host:port:t|s

describe.skipIf(esploraUrl === undefined)('esplora live (DOLLY_LIVE_ESPLORA_URL)', () => {
  const chain = createEsploraChain({}, { baseUrl: esploraUrl ?? '', timeoutMs: 20_000 })
  it('answers tip, fee estimate and an unknown txid', async () => {
    expect(await chain.tipHeight()).toBeGreaterThan(0)
    expect((await chain.estimateFee(6)).minRelayFeeRateSatPerKvb).toBeGreaterThan(0n)
    expect(await chain.getTransaction('ab'.repeat(32))).toBeUndefined()
  })
})

describe.skipIf(electrum === undefined)('electrum live (DOLLY_LIVE_ELECTRUM=host:port:t|s)', () => {
  it('answers tip, fee estimate and an unknown txid', async () => {
    const [host = '', port = '0', kind = 's'] = (electrum ?? '').split(':')
    const client = createElectrumClient({
      host,
      port: Number(port),
      tls: kind === 's',
      allowSelfSignedCertificate: true,
      timeoutMs: 20_000,
    })
    try {
      const chain = createElectrumChain({ transport: client })
      expect(await chain.tipHeight()).toBeGreaterThan(0)
      expect((await chain.estimateFee(6)).minRelayFeeRateSatPerKvb).toBeGreaterThan(0n)
      expect(await chain.getTransaction('ab'.repeat(32))).toBeUndefined()
    } finally {
      client.close()
    }
  })
})
