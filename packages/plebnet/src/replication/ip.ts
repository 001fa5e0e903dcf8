/**
 * IP address syntax for child records and `create-child` arguments. Its own module, without zod, so
 * `plebnet --help` (which registers create-child's argument parser) loads no schema library.
 */

/** IPv4 dotted quad with parts 0–255, or an IPv6 address (AGENT.md §3.5 step 3). */
export function isValidIp(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (v4 !== null) return v4.slice(1).every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')))
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(text) || !text.includes(':')) return false
  const halves = text.split('::')
  if (halves.length > 2) return false
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')))
  const okGroup = (g: string, last: boolean): boolean =>
    /^[0-9a-fA-F]{1,4}$/.test(g) || (last && isValidIp(g) && !g.includes(':'))
  if (!groups.every((g, i) => okGroup(g, i === groups.length - 1))) return false
  const count = groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  return halves.length === 2 ? count < 8 : count === 8
}
