import { Transaction } from 'bitcoinjs-lib'
import { formatBtc } from '@dolly/base'
import {
  scriptHashHex,
  type ElectrumTransport,
  type FetchLike,
  type MemoryChain,
  type RpcReply,
} from '@dolly/wallet'

/**
 * Servers that speak the Esplora REST API and the Electrum protocol (as their documents describe them)
 * on top of the memory chain, so the esplora and electrum adapters run the full ChainBackend contract
 * without the Internet. Only the endpoints the adapters use are served.
 */

/** An Esplora REST server over the memory chain, as a fetch function. */
export function esploraFacade(chain: MemoryChain, base: string): FetchLike {
  const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status })
  const text = (value: string, status = 200) => new Response(value, { status })
  return async (url, init) => {
    const path = url.slice(base.length)
    let m: RegExpExecArray | null
    if (init.method === 'POST' && path === 'tx') {
      const result = await chain.broadcast(init.body ?? '')
      if (result.kind === 'accepted') return text(result.txid)
      return text(
        `sendrawtransaction RPC error: ${JSON.stringify({ code: -26, message: result.reason })}`,
        400,
      )
    }
    if (path === 'blocks/tip/height') return text(String(await chain.tipHeight()))
    if (path === 'blocks/tip/hash') return text(await chain.tipHash())
    if (path === 'fee-estimates') return json({})
    if ((m = /^scripthash\/([0-9a-f]{64})\/utxo$/.exec(path)) !== null) {
      const hash = m[1]
      return json(
        chain
          .allUnspent()
          .filter((u) => scriptHashHex(u.scriptHex) === hash)
          .map((u) => ({
            txid: u.txid,
            vout: u.vout,
            value: Number(u.valueSats),
            status: u.height > 0 ? { confirmed: true, block_height: u.height } : { confirmed: false },
          })),
      )
    }
    if ((m = /^tx\/([0-9a-f]{64})\/(status|hex)$/.exec(path)) !== null) {
      const tx = await chain.getTransaction(m[1] ?? '')
      if (tx === undefined) return text('Transaction not found', 404)
      if (m[2] === 'hex') return text(tx.hex)
      return json(
        tx.confirmations > 0 ? { confirmed: true, block_height: tx.blockHeight } : { confirmed: false },
      )
    }
    return text('Not Found', 404)
  }
}

/** An Electrum server over the memory chain, as a transport. */
export function electrumFacade(chain: MemoryChain): ElectrumTransport {
  const ok = (result: unknown): RpcReply => ({ ok: true, result })
  return {
    async call(method, params): Promise<RpcReply> {
      const [first] = params
      switch (method) {
        case 'server.version':
          return ok(['dolly memory facade', '1.4'])
        case 'blockchain.headers.subscribe':
          return ok({ height: await chain.tipHeight(), hex: chain.tipHeader() })
        case 'blockchain.scripthash.listunspent':
          return ok(
            chain
              .allUnspent()
              .filter((u) => scriptHashHex(u.scriptHex) === first)
              .map((u) => ({
                tx_hash: u.txid,
                tx_pos: u.vout,
                value: Number(u.valueSats),
                height: u.height,
              })),
          )
        case 'blockchain.scripthash.get_history':
          // Transactions paying the script (what the adapter needs; a real server adds spends too).
          return ok(
            chain
              .allTransactions()
              .filter((t) =>
                Transaction.fromHex(t.hex).outs.some(
                  (o) => scriptHashHex(Buffer.from(o.script).toString('hex')) === first,
                ),
              )
              .map((t) => ({ tx_hash: t.txid, height: t.blockHeight ?? 0 })),
          )
        case 'blockchain.transaction.get': {
          const tx = await chain.getTransaction(String(first))
          return tx === undefined
            ? { ok: false, code: 2, message: 'daemon error: No such mempool or blockchain transaction' }
            : ok(tx.hex)
        }
        case 'blockchain.transaction.broadcast': {
          const result = await chain.broadcast(String(first))
          return result.kind === 'accepted'
            ? ok(result.txid)
            : {
                ok: false,
                code: 1,
                message: `the transaction was rejected by network rules.\n\n${result.reason}\n[${String(first)}]`,
              }
        }
        case 'blockchain.estimatefee':
          return ok(-1)
        case 'blockchain.relayfee':
          return ok(Number(formatBtc((await chain.estimateFee(6)).minRelayFeeRateSatPerKvb)))
        default:
          return { ok: false, code: -32601, message: `unknown method ${method}` }
      }
    },
    close() {},
  }
}
