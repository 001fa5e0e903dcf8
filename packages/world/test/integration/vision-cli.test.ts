import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, type CliIo } from '@dolly/base'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { DOLLY_CLI_EXIT_STATUS } from '../../src/cli/exit-status.ts'
import {
  readWorldVisionUrl,
  registerVisionCommand,
  startWorldVision,
  worldIrcAddress,
} from '../../src/cli/vision.ts'
import { createNullLogger } from '@dolly/base'

describe('dolly vision on loopback', () => {
  it('serves the page and /network until stopped, and says where', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vision-cli-'))
    const out: string[] = []
    const io: CliIo = { out: (t) => out.push(t), err: (t) => out.push(t) }
    const stop = new AbortController()
    const program = new Command('dolly')
    registerVisionCommand(
      program,
      io,
      {
        defaultWorldDir: join(dir, 'world'),
        realNowMs: () => Date.now(),
        pid: 1,
        selfCommand: ['node', 'dolly'],
        repoDir: dir,
      },
      stop.signal,
    )
    // An IRC server nobody listens on: the web app serves anyway while the tracker retries.
    const run = runCli(
      program,
      ['vision', '--host', '127.0.0.1', '--port', '0', '--irc-server', '127.0.0.1:1', '--json'],
      io,
      DOLLY_CLI_EXIT_STATUS,
    )
    try {
      const deadline = Date.now() + 20_000
      while (!out.some((l) => l.includes('"serving"')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      const serving = JSON.parse(out.find((l) => l.includes('"serving"')) ?? '{}') as {
        url: string
        dataDir: string
      }
      expect(serving.dataDir).toBe(join(dir, 'vision'))
      expect(await (await fetch(`${serving.url}network`)).json()).toEqual({ nodes: [], edges: [] })
      expect(await (await fetch(serving.url)).text()).toContain('Dollynator Vision')
    } finally {
      stop.abort()
      expect(await run).toBe(0)
      await rm(dir, { recursive: true, force: true })
    }
    expect(out.at(-1)).toBe('{"event":"stopped"}')
  }, 30_000)
})

describe("the world's Vision (world up --vision, world status)", () => {
  it('publishes its URL in the world directory while it runs, and removes it when closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vision-world-'))
    try {
      expect(await readWorldVisionUrl(dir)).toBeUndefined()
      const vision = await startWorldVision({ dir, irc: undefined, port: 0, logger: createNullLogger() })
      expect(await readWorldVisionUrl(dir)).toBe(vision.url)
      expect((await fetch(`${vision.url}shownodes`)).status).toBe(200)
      await vision.close()
      expect(await readWorldVisionUrl(dir)).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it("reads the world's IRC address from its state when it has one", () => {
    const irc = { host: '10.77.1.1', localHost: '127.0.0.1', port: 6667, channel: '#plebnet123', pid: 7 }
    // Vision runs on the machine: loopback, not the bridge address the hosts use.
    expect(worldIrcAddress({ irc })).toEqual({ host: '127.0.0.1', port: 6667, channel: '#plebnet123' })
    expect(worldIrcAddress({})).toBeUndefined()
    expect(worldIrcAddress(undefined)).toBeUndefined()
  })
})
