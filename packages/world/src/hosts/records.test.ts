import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { parseHostRecord, parseNetworkRecord } from './records.ts'

const HOST = {
  kind: 'host',
  version: 1,
  id: 'dolly3h5',
  netns: 'dolly3h5',
  vethHost: 'dv3h5',
  ip: '10.77.3.5',
  hostname: 'alpha',
  layerDir: '/tmp/state/host-layers/dolly3h5',
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    return errorCode(err)
  }
}

describe('records', () => {
  it('parses what the provisioner writes', () => {
    expect(parseHostRecord(HOST)).toEqual(HOST)
    expect(parseNetworkRecord({ kind: 'network', version: 1, index: 3, bridge: 'dollybr3' })).toEqual({
      kind: 'network',
      version: 1,
      index: 3,
      bridge: 'dollybr3',
    })
  })

  // A record names what cleanup kills and deletes: anything but our own names must be refused.
  it.each([
    { ...HOST, netns: 'default' },
    { ...HOST, vethHost: 'eth0' },
    { ...HOST, layerDir: 'relative/dir' },
    { ...HOST, layerDir: '/' },
    { ...HOST, layerDir: '/tmp/state/host-layers/dolly3h6' },
    { ...HOST, layerDir: '/tmp/state/host-layers/../../etc/host-layers/dolly3h5' },
    { ...HOST, netns: 'dolly3h6' },
    { ...HOST, extra: 1 },
    { ...HOST, version: 2 },
  ])('refuses a tampered host record %#', (record) => {
    expect(codeOf(() => parseHostRecord(record))).toBe('WORLD_HOSTS_RECORD_MALFORMED')
  })

  it('refuses a network record naming a foreign link', () => {
    expect(codeOf(() => parseNetworkRecord({ kind: 'network', version: 1, index: 3, bridge: 'eth0' }))).toBe(
      'WORLD_HOSTS_RECORD_MALFORMED',
    )
  })
})
