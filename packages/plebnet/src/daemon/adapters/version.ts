import { readFileSync } from 'node:fs'

/** The semver of this build, from packages/plebnet/package.json ('0.0.0' when unreadable). */
export function agentVersion(): string {
  try {
    const parsed: unknown = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    )
    const version = (parsed as { version?: unknown }).version
    return typeof version === 'string' && /^\d+\.\d+\.\d+/.test(version) ? version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}
