import { createSeededRng, errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, bytesToHex } from '@dolly/base'
import { peerIdOfKey } from './libp2p-host.ts'
import { bootstrapFromContacts, bootstrapFromMultiaddrs, gossipListenAddrs } from './network-component.ts'

const key = generateIdentity(createSeededRng('boot')).publicKey
const id = bytesToHex(key)
const peerId = peerIdOfKey(key).toString()

describe('network component options', () => {
  it('turns ip:port into a listen multiaddr, with defaults', () => {
    expect(gossipListenAddrs(undefined)).toEqual(['/ip4/0.0.0.0/tcp/8000'])
    expect(gossipListenAddrs('10.0.0.5:9000')).toEqual(['/ip4/10.0.0.5/tcp/9000'])
    expect(gossipListenAddrs(':0')).toEqual(['/ip4/0.0.0.0/tcp/0'])
    expect(gossipListenAddrs('host:1')).toBeUndefined()
    expect(gossipListenAddrs('1.2.3.4:70000')).toBeUndefined()
  })

  it('bootstraps from agent.json cards on the gossip port, and from full multiaddrs', () => {
    expect(bootstrapFromContacts([{ publicKey: id, host: '10.1.2.3' }])).toEqual([
      { id, addrs: [`/ip4/10.1.2.3/tcp/8000/p2p/${peerId}`] },
    ])
    const addr = `/ip4/127.0.0.1/tcp/18001/p2p/${peerId}`
    expect(bootstrapFromMultiaddrs([addr])).toEqual([{ id, addrs: [addr] }])
    const bad = (() => {
      try {
        return bootstrapFromMultiaddrs(['/ip4/127.0.0.1/tcp/1'])
      } catch (err) {
        return err
      }
    })()
    expect(errorCode(bad)).toBe('NETWORK_OPTIONS_INVALID')
  })
})
