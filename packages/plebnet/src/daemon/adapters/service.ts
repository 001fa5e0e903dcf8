import { spawn } from 'node:child_process'
import { access, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { ReplicationError } from '../../replication/errors.ts'
import { renderCronEntry, renderSystemdUnit, renderWatchdog, type ServicePlan } from '../service-files.ts'

/** How the daemon was installed. */
export type ServiceKind = 'systemd' | 'cron-watchdog'

const UNIT_PATH = '/etc/systemd/system/plebnet.service'
const CRON_PATH = '/etc/cron.d/plebnet'

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/** Writes `text` to `path` atomically unless it already holds exactly that; true when it changed. */
async function ensureFile(path: string, text: string, mode: number): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => undefined)
  if (current === text) return false
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, text, { mode })
  return true
}

function run(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] ?? 'false', argv.slice(1), { stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
}

/**
 * Installs the daemon as a service and makes sure it runs (AGENT.md §3.1 step 9). Where systemd is
 * PID 1: a unit, `daemon-reload` (the original forgot it), `enable --now`. Otherwise a cron `@reboot`
 * entry plus the watchdog, started now with setsid so it outlives the SSH session. Idempotent: a
 * second call rewrites nothing and the watchdog's lock keeps a second instance out.
 */
export async function installService(plan: ServicePlan): Promise<{ kind: ServiceKind; changed: boolean }> {
  if (await exists('/run/systemd/system')) {
    const changed = await ensureFile(UNIT_PATH, renderSystemdUnit(plan), 0o644)
    if (changed && (await run(['systemctl', 'daemon-reload'])) !== 0)
      throw new ReplicationError(
        'REPLICATION_SETUP_FAILED',
        'systemctl daemon-reload failed; see journalctl',
        { step: 'service' },
      )
    if ((await run(['systemctl', 'enable', '--now', 'plebnet.service'])) !== 0)
      throw new ReplicationError(
        'REPLICATION_SETUP_FAILED',
        'systemctl enable --now plebnet.service failed; see journalctl -u plebnet',
        { step: 'service' },
      )
    return { kind: 'systemd', changed }
  }
  const wrote = await ensureFile(plan.watchdogPath, renderWatchdog(plan), 0o755)
  const cron = await ensureFile(CRON_PATH, renderCronEntry(plan), 0o644)
  // Detached in its own session, with no terminal and no pipes back to us: it must outlive this
  // process and the SSH session `create-child` runs setup in.
  const child = spawn('setsid', [plan.watchdogPath], { detached: true, stdio: 'ignore' })
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve())
    child.once('error', reject)
  })
  child.unref()
  return { kind: 'cron-watchdog', changed: wrote || cron }
}
