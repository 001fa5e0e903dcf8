/**
 * The first self-replicating family, end to end: a world with 3 shops at a high time scale, the
 * genesis agent installed by the operator and funded by the faucet, then no further help: genesis
 * buys a server with its own coins, installs a child on it over SSH and pays its dowry; the child
 * does the same. Vision tracks the family on the world's IRC server and a real browser (Debian's
 * chromium) watches the tree grow on its page. Needs root (namespaces), litecoind, sshd, ngircd and
 * chromium.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Core } from 'cytoscape'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger } from '@dolly/base'
import { startVision, type VisionHandle } from '@dolly/vision'
import { deriveAccount, deriveAddress, deriveChildRoot, type HdNode, type NetworkParams } from '@dolly/wallet'
import { runGenesis, type WorldHandle } from '@dolly/world'
import { mailDir, readMailbox } from '../../src/mail/adapters/mail-sink.ts'
import { REPO_ROOT, operatorWallet, startGenesisWorld, statusOf } from './genesis-helpers.ts'

/** The bootstrap: about three servers of the world's shops (5–20 USD at 1000 sats/USD) with fees. */
const FUND_SATS = 100_000n
/** Bound of the whole family's growth (real ms). */
const FAMILY_TIMEOUT_MS = 480_000

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 2_000))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Receive and change addresses 0..GAP of an agent's wallet, and of its descendants (the family key tree). */
const GAP = 25
function familyAddresses(root: HdNode, params: NetworkParams, depth: number, out: Set<string>): void {
  const account = deriveAccount(root, params)
  for (const chain of [0, 1] as const)
    for (let i = 0; i < GAP; i++) out.add(deriveAddress(account, params, chain, i).address)
  if (depth === 0) return
  for (let child = 0; child < 4; child++)
    familyAddresses(deriveChildRoot(root, child), params, depth - 1, out)
}

const satsOf = (coins: number): bigint => BigInt(Math.round(coins * 1e8))

// The page's globals the functions run in the browser use (tsconfig has no DOM lib).
declare const window: { vision?: { cy: Core }; marker?: number }
declare const document: {
  getElementById(id: string): { textContent: string | null; getBoundingClientRect(): DOMRectLike } | null
}
interface DOMRectLike {
  left: number
  top: number
}

/** The screenshot of the grown family is kept here (git-ignored). */
const OUT_DIR = fileURLToPath(new URL('../../../../tmp/out/', import.meta.url))

/** The family tree Vision's page draws now: node ids with their labels, and parent>child edges. */
function treeOnPage(page: Page): Promise<{ labels: Record<string, string>; edges: string[] }> {
  return page.evaluate(() => {
    const cy = (window.vision as { cy: Core }).cy
    return {
      labels: Object.fromEntries(cy.nodes().map((n) => [n.id(), String(n.data('label'))])),
      edges: cy
        .edges()
        .map((e) => `${e.source().id()}>${e.target().id()}`)
        .sort(),
    }
  })
}

/** Waits (bounded) until the page's tree has `id` labelled by an agent that answered (a nick, not `?`). */
async function seenOnPage(page: Page, id: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    (node) => {
      const n = (window.vision as { cy: Core }).cy.getElementById(node)
      return n.nonempty() && !String(n.data('label')).startsWith('?')
    },
    id,
    { timeout: timeoutMs, polling: 500 },
  )
}

interface RawTx {
  txid: string
  vin: { txid?: string; vout?: number }[]
  vout: { value: number; n: number; scriptPubKey: { address?: string; addresses?: string[] } }[]
}

/**
 * Follows the family's coins on the chain from the faucet's payment: every transaction that spends
 * a family coin is found among the blocks and the mempool; its outputs are family coins, provider
 * receipts (addresses of a shop's node wallet) or something else, and its fee is inputs − outputs.
 */
async function followCoins(world: WorldHandle, family: Set<string>, fundTxid: string) {
  const rpc = world.chain.rpc
  const fund = await rpc<RawTx & { blockhash?: string }>('getrawtransaction', [fundTxid, true])
  const start =
    fund.blockhash === undefined
      ? await rpc<number>('getblockcount')
      : (await rpc<{ height: number }>('getblock', [fund.blockhash])).height
  const txs: RawTx[] = []
  const tip = await rpc<number>('getblockcount')
  for (let h = start; h <= tip; h++) {
    const block = await rpc<{ tx: RawTx[] }>('getblock', [await rpc<string>('getblockhash', [h]), 2])
    txs.push(...block.tx)
  }
  for (const txid of await rpc<string[]>('getrawmempool'))
    txs.push(await rpc<RawTx>('getrawtransaction', [txid, true]))
  const shopWallets = (await rpc<string[]>('listwallets')).filter((w) => w !== 'faucet')
  // Core 0.21 (litecoind) lists `addresses`; later versions `address`.
  const addressOf = (o: RawTx['vout'][number]): string =>
    o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0] ?? ''
  const value = new Map<string, bigint>()
  for (const o of fund.vout) if (family.has(addressOf(o))) value.set(`${fundTxid}:${o.n}`, satsOf(o.value))
  const funded = [...value.values()].reduce((a, b) => a + b, 0n)
  let fees = 0n
  let receipts = 0n
  let receiptCount = 0
  let elsewhere = 0n
  for (const tx of txs) {
    const spent = tx.vin.filter((i) => value.has(`${i.txid ?? ''}:${i.vout ?? -1}`))
    if (spent.length === 0) continue
    if (spent.length !== tx.vin.length) throw new Error(`${tx.txid} mixes family and foreign coins`)
    const inSats = spent.reduce((a, i) => a + (value.get(`${i.txid ?? ''}:${i.vout ?? -1}`) ?? 0n), 0n)
    for (const i of spent) value.delete(`${i.txid ?? ''}:${i.vout ?? -1}`)
    let outSats = 0n
    for (const o of tx.vout) {
      const sats = satsOf(o.value)
      outSats += sats
      const address = addressOf(o)
      if (family.has(address)) value.set(`${tx.txid}:${o.n}`, sats)
      else {
        let shop = false
        for (const w of shopWallets) {
          const info = await rpc<{ ismine: boolean }>('getaddressinfo', [address], { wallet: w })
          if (info.ismine) shop = true
        }
        if (shop) {
          receipts += sats
          receiptCount += 1
        } else elsewhere += sats
      }
    }
    fees += inSats - outSats
  }
  const wallets = [...value.values()].reduce((a, b) => a + b, 0n)
  return { funded, wallets, fees, receipts, receiptCount, elsewhere }
}

describe('the first family', () => {
  let dir: string
  let world: WorldHandle | undefined
  let vision: VisionHandle | undefined
  let browser: Browser | undefined
  let page: Page
  const consoleErrors: string[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-family-'))
    world = await startGenesisWorld(dir)
    // Vision as `dolly world up --vision` runs it, its tracker on the world's IRC server, asking often.
    const irc = world.state.irc
    if (irc === undefined) throw new Error('the world runs no IRC server')
    vision = await startVision({
      irc: { host: irc.localHost, port: irc.port },
      channel: irc.channel,
      listenHost: '127.0.0.1',
      port: 0,
      trackerIntervalS: 5,
      deadAfterS: 300,
      joinWaitMs: 1_000,
      commandGapMs: 100,
      dataDir: join(dir, 'vision'),
    })
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox'],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`))
    page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`))
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await vision?.close()
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'grows to three generations on servers the agents bought themselves',
    async () => {
      if (world?.provisioner === undefined) throw new Error('no hosts in this world')
      const genesis = await runGenesis(
        {
          provisioner: world.provisioner,
          chain: world.chain,
          log: createMemoryLogger(),
          rng: createCryptoRng(),
          clock: world.clock,
        },
        { worldDir: dir, state: world.state, repoDir: REPO_ROOT, fundSats: FUND_SATS },
      )
      expect(genesis.tree).toBe('dolly.0')
      // The operator opens Vision once; the page then follows the family live, never reloaded.
      if (vision === undefined) throw new Error('Vision did not start')
      await page.goto(vision.url)
      await seenOnPage(page, 'dolly.0', 120_000)
      await page.evaluate(() => (window.marker = 42))
      const child = await waitFor(
        'genesis to install a child',
        async () => {
          const s = await statusOf(world, genesis.host.ip)
          return s?.lifecycle?.children.find((c) => c.ip !== null)
        },
        FAMILY_TIMEOUT_MS,
      )
      expect(child.tree).toMatch(/^dolly\.0\.\d+$/)
      const childIp = child.ip ?? ''
      const grandchild = await waitFor(
        'the child to install a grandchild',
        async () => (await statusOf(world, childIp))?.lifecycle?.children.find((c) => c.ip !== null),
        FAMILY_TIMEOUT_MS,
      )
      expect(grandchild.tree).toMatch(new RegExp(`^${child.tree.replaceAll('.', '\\.')}\\.\\d+$`))
      const third = await waitFor(
        'the grandchild to answer',
        () => statusOf(world, grandchild.ip ?? ''),
        120_000,
      )
      expect(third.tree).toBe(grandchild.tree)
      expect(third.parentTree).toBe(child.tree)

      // Vision's page, opened when only genesis lived, shows the three generations the agents
      // reported over IRC, with the edges of their tree paths, and it was never reloaded.
      await seenOnPage(page, child.tree, 120_000)
      await seenOnPage(page, grandchild.tree, 120_000)
      const tree = await treeOnPage(page)
      expect(tree.edges).toEqual(
        expect.arrayContaining([`dolly.0>${child.tree}`, `${child.tree}>${grandchild.tree}`]),
      )
      expect(tree.labels['dolly.0']).toMatch(/\(operator\)$/)
      expect(await page.evaluate(() => window.marker)).toBe(42)
      // Clicking genesis shows its chart.
      const at = await page.evaluate(() => {
        const p = (window.vision as { cy: Core }).cy.getElementById('dolly.0').renderedPosition()
        const box = document.getElementById('graph')?.getBoundingClientRect() ?? { left: 0, top: 0 }
        return { x: box.left + p.x, y: box.top + p.y }
      })
      await page.mouse.click(at.x, at.y)
      await page.waitForSelector('#chart .uplot', { timeout: 30_000 })
      expect(await page.textContent('#selected')).toMatch(/^dolly\.0 — /)
      await mkdir(OUT_DIR, { recursive: true })
      await page.screenshot({ path: `${OUT_DIR}genesis-family-vision.png`, fullPage: true })
      expect(consoleErrors).toEqual([])

      // A postcard per child reached the world's mail sink (issue 18), naming the child's nick, which
      // its parent read from the child's status, and withholding the root password.
      for (const tree of [child.tree, grandchild.tree]) {
        const card = await waitFor(
          `the postcard of ${tree}`,
          async () =>
            (await readMailbox(mailDir(dir))).find((m) => m.subject === `PlebNet child ${tree} is alive`),
          120_000,
        )
        expect(card.text).toContain(`Child tree:    ${tree}`)
        expect(card.text).toMatch(/^Child nick: {4}(?!not known)\S+$/m)
        expect(card.text).toContain('Root password: withheld')
      }

      // Coins are conserved: the faucet's payout = the family's wallets + fees + provider receipts.
      const { root: operatorRoot, params } = await operatorWallet(genesis.operatorHome)
      const family = new Set<string>()
      familyAddresses(deriveChildRoot(operatorRoot, 0), params, 3, family)
      expect(family.has(genesis.address)).toBe(true)
      const coins = await followCoins(world, family, genesis.fundTxid)
      expect(coins.funded).toBe(FUND_SATS)
      expect(coins.elsewhere).toBe(0n)
      expect(coins.receiptCount).toBeGreaterThanOrEqual(2)
      expect(coins.wallets + coins.fees + coins.receipts).toBe(FUND_SATS)
    },
    FAMILY_TIMEOUT_MS * 2 + 300_000,
  )
})
