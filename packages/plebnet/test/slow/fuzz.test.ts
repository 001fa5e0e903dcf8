/**
 * The fuzz suite of plebnet's parsers of untrusted bytes (issue 14): ≥ 100,000 cases per surface,
 * seeded (DOLLY_FUZZ_SEED), scalable for local runs (DOLLY_FUZZ_RUNS). Prints per surface: cases,
 * crashes, accepted-invalid, rejected-with-code, accepted-valid, time; fails on any crash,
 * accepted-invalid or refused valid input, printing the counterexamples.
 */
import { describe, expect, it } from 'vitest'
import {
  entry,
  formatReports,
  fuzzSettings,
  isClean,
  type FuzzReport,
  type SurfaceEntry,
} from '../../../base/test/support/fuzz-harness.ts'
import {
  genomeSurface,
  lifecycleSurface,
  payloadSurface,
  qTableSurface,
  statusSurface,
} from './fuzz/codec-surfaces.ts'
import { agentConfigSurface, iniReaderSurface } from './fuzz/ini-surfaces.ts'
import { halfBlockSurface, ledgerMessageSurface, txDictSurface } from './fuzz/ledger-surfaces.ts'
import {
  directMessageSurface,
  entrySurface,
  envelopeSurface,
  intakeSurface,
} from './fuzz/network-surfaces.ts'

const settings = fuzzSettings(process.env)

const surfaces: SurfaceEntry[] = [
  entry(envelopeSurface),
  entry(entrySurface),
  entry(intakeSurface),
  entry(directMessageSurface),
  entry(qTableSurface),
  entry(genomeSurface),
  entry(halfBlockSurface),
  entry(txDictSurface),
  entry(ledgerMessageSurface),
  entry(payloadSurface),
  entry(lifecycleSurface),
  entry(statusSurface),
  entry(iniReaderSurface),
  entry(agentConfigSurface),
]

describe(`plebnet fuzz suite (seed ${settings.seed}, ${settings.runs} cases per surface)`, () => {
  const reports: FuzzReport[] = []
  for (const surface of surfaces) {
    it(`${surface.name}: no crash, no accepted-invalid, every valid input accepted`, async () => {
      const runs = Math.max(1, Math.round(settings.runs * surface.share))
      const report = await surface.run({ ...settings, runs })
      reports.push(report)
      console.log(formatReports([report]))
      expect(report.cases).toBe(runs)
      expect(isClean(report), formatReports([report])).toBe(true)
    })
  }
  it('prints the table', () => {
    console.log(`\nplebnet fuzz, seed ${settings.seed}\n${formatReports(reports)}`)
  })
})
