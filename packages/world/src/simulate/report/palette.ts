/**
 * Series colours: the Okabe–Ito palette (distinct, also for colour-blind readers) followed by hues
 * a golden angle apart, so any number of series get distinct, deterministic colours.
 */

const BASE: readonly string[] = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#000000',
]

/** The colour of series number `index` (0-based). */
export function seriesColour(index: number): string {
  const base = BASE[index]
  if (base !== undefined) return base
  const hue = ((index - BASE.length) * 137.508 + 20) % 360
  return `hsl(${hue.toFixed(1)} 65% ${index % 2 === 0 ? 40 : 55}%)`
}
