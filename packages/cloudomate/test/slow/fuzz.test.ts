/**
 * The fuzz suite of cloudomate's parsers of untrusted bytes (issue 14): shop and gateway pages, API
 * replies (Njalla, LunaNode, BitLaunch, SporeStack, AzireVPN), the purchase journal and cloudomate.cfg. ≥ 100,000 cases per surface, seeded
 * (DOLLY_FUZZ_SEED), scalable for local runs (DOLLY_FUZZ_RUNS); fails on any crash, accepted-invalid
 * or refused valid input, printing the counterexamples.
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
  clientAreaSurface,
  formSurface,
  gatewaySurface,
  invoiceFlowSurface,
  listingSurface,
} from './fuzz/page-surfaces.ts'
import { azirevpnSurface, bitlaunchSurface, sporestackSurface } from './fuzz/provider-surfaces.ts'
import { apiReplySurface, cloudomateIniSurface, journalSurface } from './fuzz/text-surfaces.ts'

const settings = fuzzSettings(process.env)

const surfaces: SurfaceEntry[] = [
  entry(listingSurface),
  entry(clientAreaSurface),
  entry(gatewaySurface),
  entry(formSurface),
  entry(invoiceFlowSurface),
  entry(apiReplySurface),
  entry(bitlaunchSurface),
  entry(sporestackSurface),
  entry(azirevpnSurface),
  entry(journalSurface),
  entry(cloudomateIniSurface),
]

describe(`cloudomate fuzz suite (seed ${settings.seed}, ${settings.runs} cases per surface)`, () => {
  const reports: FuzzReport[] = []
  for (const surface of surfaces) {
    it(`${surface.name}: no crash, no accepted-invalid, every valid input accepted`, async () => {
      const report = await surface.run(settings)
      reports.push(report)
      console.log(formatReports([report]))
      expect(report.cases).toBe(settings.runs)
      expect(isClean(report), formatReports([report])).toBe(true)
    })
  }
  it('prints the table', () => {
    console.log(`\ncloudomate fuzz, seed ${settings.seed}\n${formatReports(reports)}`)
  })
})
