import type { AbortOptions } from '@dolly/base'
import { ReplicationError } from './errors.ts'
import type { BundleSource, RemoteResult, RemoteShell } from './ports.ts'
import {
  appendCommand,
  bundleStateScript,
  dropPartScript,
  EXIT_MANIFEST_MISMATCH,
  EXIT_TARBALL_MISMATCH,
  fetchReleaseScript,
  partPath,
  streamCommand,
  unpackScript,
  type ReleaseFetch,
} from './remote-scripts.ts'
import { remoteFailed, type StepRunner } from './remote-step.ts'

/**
 * The install step (AGENT.md §8 step 6): puts version `versionId` under /opt/plebnet/versions unless it
 * is there. The bundle is pushed from where a previous attempt stopped (a first push unpacks while it
 * arrives); a release's sources are fetched by the child itself; everything is checked against its
 * checksums before the version directory appears.
 *
 * @throws ReplicationError REPLICATION_CHECKSUM_MISMATCH, REPLICATION_REMOTE_FAILED, REPLICATION_SSH_UNREACHABLE
 */
export async function installCode(
  steps: StepRunner,
  shell: RemoteShell,
  target: {
    readonly ip: string
    readonly versionId: string
    readonly bundle: BundleSource
    readonly release?: ReleaseFetch & { readonly name: string }
  },
  abort: AbortOptions = {},
): Promise<{ bytes: number; resumedFrom: number; skipped: boolean }> {
  const { bundle, versionId, release } = target
  const mismatch = (what: string, result: RemoteResult): ReplicationError =>
    new ReplicationError(
      'REPLICATION_CHECKSUM_MISMATCH',
      `the ${what} on ${target.ip} did not match its checksum: ${result.stderr.trim().slice(0, 500)}; it was dropped, run create-child again`,
      { step: 'install', versionId },
    )
  const state = (await steps.check(shell, 'install', bundleStateScript(versionId, bundle.id))).trim()
  if (state === 'installed') return { bytes: 0, resumedFrom: 0, skipped: true }
  let offset = Number(state)
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > bundle.sizeBytes) {
    await steps.check(shell, 'install', dropPartScript(bundle.id))
    offset = 0
  }
  // A first upload unpacks while it arrives; a resumed one appends and unpacks afterwards.
  const command =
    offset === 0 ? streamCommand(partPath(bundle.id), versionId) : appendCommand(partPath(bundle.id))
  const bytes = offset < bundle.sizeBytes ? await shell.pipe(command, bundle.read(offset), abort) : 0
  if (release !== undefined) {
    const fetched = await steps.run(shell, 'install', fetchReleaseScript(release.name, release))
    if (fetched.exitCode === EXIT_TARBALL_MISMATCH) throw mismatch('release tarball', fetched)
    if (fetched.exitCode !== 0)
      throw remoteFailed('install', fetched, `check that the child reaches ${release.url}`)
  }
  const unpacked = await steps.run(
    shell,
    'install',
    unpackScript(versionId, bundle.id, bundle.sha256, release?.name),
  )
  if (unpacked.exitCode === EXIT_TARBALL_MISMATCH) throw mismatch('tarball', unpacked)
  if (unpacked.exitCode === EXIT_MANIFEST_MISMATCH) throw mismatch('unpacked files', unpacked)
  if (unpacked.exitCode !== 0) throw remoteFailed('install', unpacked, 'check free disk space under /opt')
  return { bytes, resumedFrom: offset, skipped: false }
}
