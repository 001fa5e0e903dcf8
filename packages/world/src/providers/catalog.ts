/**
 * The world's standard set of four shops. They differ the way the real ones did (CLOUDOMATE.md §3.1):
 * template, plans and prices, configurable option ids, gateway and quirks. Quirks are off here;
 * `standardShops({ quirks: true })` switches on each shop's characteristic ones.
 */
import { DAY_MS } from './constants.ts'
import type { ConfigOption, ShopConfig, Quirks } from './types.ts'

/** A shop with no anti-automation behaviour. */
export const NO_QUIRKS: Quirks = Object.freeze({
  bannedEmailDomains: [],
  fraudBlock: null,
  manualReviewMs: 0,
  jsChallenge: false,
  priceDrift: null,
  dmcaStrict: false,
  randomRootPassword: false,
})

const os = (id: number, ubuntuId: number, debianId: number): ConfigOption => ({
  id,
  label: 'Operating System',
  values: [
    { id: ubuntuId, label: 'Ubuntu 22.04 LTS x64', monthlyCents: 0, inStock: true },
    { id: debianId, label: 'Debian 12 x64', monthlyCents: 0, inStock: true },
  ],
})

/** The four standard shops; `quirks` switches on each one's characteristic anti-automation behaviour. */
export function standardShops(options: { quirks: boolean }): readonly ShopConfig[] {
  const q = options.quirks
  return [
    {
      name: 'bluecloud',
      company: 'BlueCloud Hosting',
      template: 'six',
      gateway: 'bitpay',
      cookieName: 'WHMCSy551iLvnhYt7',
      products: [
        {
          pid: 1,
          name: 'KVM Basic',
          cores: 1,
          memoryGB: 1,
          storageGB: 20,
          bandwidthTB: 1,
          connectionGbps: 1,
          monthlyCents: 499,
          inStock: true,
          virtualization: 'kvm',
        },
        {
          pid: 2,
          name: 'KVM Plus',
          cores: 2,
          memoryGB: 2,
          storageGB: 40,
          bandwidthTB: 2,
          connectionGbps: 1,
          monthlyCents: 899,
          inStock: true,
          virtualization: 'kvm',
        },
        {
          pid: 3,
          name: 'KVM Pro',
          cores: 4,
          memoryGB: 8,
          storageGB: 80,
          bandwidthTB: null,
          connectionGbps: 1,
          monthlyCents: 1999,
          inStock: true,
          virtualization: 'kvm',
        },
      ],
      configOptions: [
        os(1, 1, 2),
        {
          id: 2,
          label: 'Location',
          values: [
            { id: 3, label: 'Amsterdam', monthlyCents: 0, inStock: true },
            { id: 4, label: 'Los Angeles', monthlyCents: 0, inStock: true },
          ],
        },
      ],
      quirks: q
        ? { ...NO_QUIRKS, bannedEmailDomains: ['mailinator.com', 'guerrillamail.com'], jsChallenge: true }
        : NO_QUIRKS,
    },
    {
      name: 'crownhost',
      company: 'CrownHost',
      template: 'lagom',
      gateway: 'coinpayments',
      cookieName: 'WHMCSa8Zk2pQx0mTe',
      products: [
        {
          pid: 11,
          name: 'OVZ-512',
          cores: 1,
          memoryGB: 0.5,
          storageGB: 10,
          bandwidthTB: 0.5,
          connectionGbps: 1,
          monthlyCents: 300,
          inStock: true,
          virtualization: 'openvz',
          bandwidthMbit: 100,
        },
        {
          pid: 12,
          name: 'KVM-2G',
          cores: 2,
          memoryGB: 2,
          storageGB: 30,
          bandwidthTB: 2,
          connectionGbps: 1,
          monthlyCents: 700,
          inStock: true,
          virtualization: 'kvm',
        },
      ],
      configOptions: [
        os(214, 1193, 1194),
        {
          id: 215,
          label: 'Extra IPv4',
          values: [
            { id: 1200, label: 'None', monthlyCents: 0, inStock: true },
            { id: 1201, label: '1 extra IPv4', monthlyCents: 200, inStock: true },
          ],
        },
      ],
      quirks: q
        ? {
            ...NO_QUIRKS,
            manualReviewMs: 4 * 3_600_000,
            dmcaStrict: true,
            randomRootPassword: true,
            fraudBlock: { maxRegistrations: 2, windowMs: DAY_MS },
          }
        : NO_QUIRKS,
    },
    {
      name: 'pulsevps',
      company: 'Pulse VPS',
      template: 'six',
      gateway: 'coinbase',
      cookieName: 'WHMCSq0Lr7VbN3cXw',
      products: [
        {
          pid: 21,
          name: 'Starter',
          cores: 1,
          memoryGB: 1,
          storageGB: 25,
          bandwidthTB: 1,
          connectionGbps: 1,
          monthlyCents: 599,
          inStock: true,
          virtualization: 'kvm',
        },
        {
          pid: 22,
          name: 'Business',
          cores: 2,
          memoryGB: 4,
          storageGB: 50,
          bandwidthTB: 3,
          connectionGbps: 1,
          monthlyCents: 1299,
          inStock: !q,
          virtualization: 'kvm',
        },
      ],
      configOptions: [
        os(31, 101, 102),
        {
          id: 32,
          label: 'Location',
          values: [
            { id: 103, label: 'Frankfurt', monthlyCents: 0, inStock: true },
            { id: 104, label: 'Singapore', monthlyCents: 100, inStock: !q },
          ],
        },
      ],
      quirks: q ? { ...NO_QUIRKS, priceDrift: { stepPercent: 5, everyMs: 7 * DAY_MS } } : NO_QUIRKS,
    },
    {
      name: 'twosync',
      company: 'TwoSync',
      template: 'lagom',
      gateway: 'blockchain',
      cookieName: 'WHMCSe4Hn9JdU6sGy',
      products: [
        {
          pid: 5,
          name: 'tProxmox S',
          cores: 1,
          memoryGB: 2,
          storageGB: 32,
          bandwidthTB: null,
          connectionGbps: 1,
          monthlyCents: 450,
          inStock: true,
          virtualization: 'lxc',
        },
        {
          pid: 6,
          name: 'tProxmox M',
          cores: 2,
          memoryGB: 4,
          storageGB: 64,
          bandwidthTB: null,
          connectionGbps: 1,
          monthlyCents: 850,
          inStock: true,
          virtualization: 'lxc',
        },
      ],
      configOptions: [os(7, 17, 18)],
      quirks: q
        ? {
            ...NO_QUIRKS,
            fraudBlock: { maxRegistrations: 1, windowMs: DAY_MS },
            bannedEmailDomains: ['yopmail.com'],
          }
        : NO_QUIRKS,
    },
  ]
}
