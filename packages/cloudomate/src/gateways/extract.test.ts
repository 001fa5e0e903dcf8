import { readFileSync } from 'node:fs'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { errorCode } from '@dolly/base'
import {
  extractBitpayInvoiceData,
  extractBlockchainModulePage,
  extractCoinbasePage,
  extractCoinifyPage,
  extractFromBip21,
  extractSpectrocoinPage,
} from './extract.ts'

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8')
const mainnet = networkParams('bitcoin')
const testnet = networkParams('testnet')

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return errorCode(err)
  }
  return undefined
}

describe('gateway extractors', () => {
  it('reads the recorded Coinbase checkout: address and 41000 sats', () => {
    const q = extractCoinbasePage(fixture('coinbase.html'), mainnet)
    expect(q.address).toBe('1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ')
    expect(q.amountSats).toBe(41_000n)
    expect(q.bip21).toBe(
      'bitcoin:1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ?amount=0.00041&r=https://www.coinbase.com/r/592ff48c7dd174067210b14b',
    )
  })

  it('reads the recorded BitPay invoice data: 140200 sats to 12cWm…, expiry and BIP21 agree', () => {
    const q = extractBitpayInvoiceData(JSON.parse(fixture('bitpay_invoice_data.json')), mainnet)
    expect(q).toMatchObject({
      address: '12cWmVndhmD56dzYcRuYka3Vpgjb3qdRoL',
      amountSats: 140_200n,
      expiresAtMs: 1516103673379,
      invoiceId: 'KXnWTnNsNUrHK2PEp8TpDC',
      status: 'new',
      bip21: 'bitcoin:12cWmVndhmD56dzYcRuYka3Vpgjb3qdRoL?amount=0.001402',
    })
  })

  it('refuses a mainnet gateway address for a testnet wallet', () => {
    expect(codeOf(() => extractCoinbasePage(fixture('coinbase.html'), testnet))).toBe(
      'CLOUDOMATE_PAYMENT_REFUSED',
    )
  })

  it('reports a changed gateway page with a typed error', () => {
    expect(codeOf(() => extractCoinbasePage('<div class="info"></div>', mainnet))).toBe(
      'CLOUDOMATE_GATEWAY_CHANGED',
    )
    const doc = JSON.parse(fixture('bitpay_invoice_data.json'))
    doc.data.btcDue = '1e-05'
    expect(codeOf(() => extractBitpayInvoiceData(doc, mainnet))).toBe('CLOUDOMATE_GATEWAY_CHANGED')
  })

  it('detects BitPay fields that disagree with its own BIP21 URI', () => {
    const doc = JSON.parse(fixture('bitpay_invoice_data.json'))
    doc.data.btcDue = '0.0001'
    expect(codeOf(() => extractBitpayInvoiceData(doc, mainnet))).toBe('CLOUDOMATE_GATEWAY_CHANGED')
  })

  it('reads BIP21 parameters in any order, URL-decoded', () => {
    const q = extractFromBip21(
      'x',
      'BITCOIN:1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ?label=Inv%2042&amount=0.0015',
      mainnet,
    )
    expect(q.amountSats).toBe(150_000n)
  })

  it('reads Coinify, SpectroCoin and blockchain-module pages', () => {
    const addr = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
    expect(
      extractCoinifyPage(
        `<a href="bitcoin:${addr}">x</a><a href="bitcoin:${addr}?amount=0.002&amp;label=a">`,
        mainnet,
      ).amountSats,
    ).toBe(200_000n)
    expect(
      extractSpectrocoinPage(
        `<div class="payAmount">0.0003 BTC</div><div class="address"> ${addr} </div>`,
        mainnet,
      ),
    ).toMatchObject({ address: addr, amountSats: 30_000n })
    const bc = extractBlockchainModulePage(
      `<script>var invId = "7"; var secret = "abc";</script><p>Please send <b>0.000045 BTC</b> to <b>${addr}</b></p>`,
      mainnet,
    )
    expect(bc).toMatchObject({ address: addr, amountSats: 4_500n, secret: 'abc', invId: '7' })
  })
})
