import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { errorCode, type AbortOptions } from '@dolly/base'
import { HOST_OCTET_MAX, HOST_OCTET_MIN, SSH_READY_TIMEOUT_MS } from '../constants.ts'
import { planContentLink } from '../../content/plan.ts'
import { HostsError } from '../errors.ts'
import { renderInitScript } from '../host-files.ts'
import { networkIndexOfGateway, octetCandidates, planHostSlot, type HostSlot } from '../naming.ts'
import type { HostRecord } from '../records.ts'
import { parseHostSpec } from '../spec.ts'
import type {
  HostExecOptions,
  HostExecResult,
  HostProvisioner,
  HostProvisionerDeps,
  HostProvisionerOptions,
  HostSpec,
  WorldHost,
} from '../types.ts'
import { assertUsableLayersDir, prepareLayer } from './host-layer.ts'
import { findInitPid, isInNetns, startInit, waitForSsh } from './host-process.ts'
import { assertHostsSupported, assertToolsPresent } from './preflight.ts'
import { runChecked, runCommand } from './run.ts'
import { removeRecord, statePaths, writeHostRecord } from './state-files.ts'
import { netnsPids, teardownHost } from './teardown.ts'

/** Keeps the provisioner's own codes and aborts; anything else becomes `WORLD_HOSTS_CREATE_FAILED`. */
function wrapCreateError(err: unknown, id: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted === true) return err
  const code = errorCode(err)
  if (
    (code !== undefined && code.startsWith('WORLD_HOSTS_')) ||
    (err instanceof DOMException && err.name === 'AbortError')
  )
    return err
  const message = err instanceof Error ? err.message : String(err)
  return new HostsError(
    'WORLD_HOSTS_CREATE_FAILED',
    `creating host ${id} failed: ${message}`,
    { id },
    { cause: err },
  )
}

/** tbf burst for `mbit` (bytes): one 10 ms tick at the rate (HZ=100 worst case), at least 16 KiB. */
function burstBytes(mbit: number): number {
  return Math.max(16 * 1024, Math.ceil((mbit * 1_000_000) / 8 / 100))
}

/**
 * Creates hosts on `deps.network`: per host a network namespace with a veth on the bridge, a private
 * copy-on-write root, own PID/UTS/mount/IPC namespaces and its own sshd. Throws
 * `WORLD_HOSTS_NOT_LINUX` / `WORLD_HOSTS_NOT_ROOT` at once where hosts cannot exist.
 */
export function createHostProvisioner(
  deps: HostProvisionerDeps,
  options: HostProvisionerOptions,
): HostProvisioner {
  assertHostsSupported()
  const index = networkIndexOfGateway(deps.network.gatewayIp)
  if (index === undefined) {
    throw new HostsError(
      'WORLD_HOSTS_INVALID_OPTION',
      `network gateway ${deps.network.gatewayIp} is not a world gateway 10.77.<i>.1`,
      {
        gatewayIp: deps.network.gatewayIp,
      },
    )
  }
  const stateDir = resolve(options.stateDir)
  const paths = statePaths(stateDir)
  const log = deps.log.child({ component: 'hosts', bridge: deps.network.bridge })
  const hosts: WorldHost[] = []
  const claimed = new Set<number>()
  let lastOctet: number | undefined
  let ready: Promise<void> | undefined

  const preflight = (): Promise<void> =>
    (ready ??= (async () => {
      await assertToolsPresent()
      await mkdir(paths.layersDir, { recursive: true, mode: 0o700 })
      await assertUsableLayersDir(paths.layersDir)
    })())

  /** Claims a slot: `ip netns add` is atomic, so provisioners sharing a network never collide. */
  async function claimSlot(
    hostname: string,
  ): Promise<{ slot: HostSlot; record: HostRecord; recordPath: string }> {
    for (const octet of octetCandidates(lastOctet, HOST_OCTET_MIN, HOST_OCTET_MAX)) {
      if (claimed.has(octet)) continue
      // Taken synchronously, before any await, so concurrent creates in this process never race
      // for the same slot (they would share one record file).
      claimed.add(octet)
      lastOctet = octet
      const slot = planHostSlot(index as number, octet)
      const record: HostRecord = {
        kind: 'host',
        version: 1,
        id: slot.id,
        netns: slot.netns,
        vethHost: slot.vethHost,
        ip: slot.ip,
        hostname,
        layerDir: join(paths.layersDir, slot.id),
      }
      let recordPath: string | undefined
      try {
        // Intent first: a crash right after `ip netns add` must leave a record naming the namespace.
        recordPath = await writeHostRecord(stateDir, record)
        const added = await runCommand(['ip', 'netns', 'add', slot.netns])
        if (added.exitCode === 0) return { slot, record, recordPath }
        if (!/exists/i.test(added.stderr)) {
          throw new HostsError(
            'WORLD_HOSTS_COMMAND_FAILED',
            `ip netns add ${slot.netns}: ${added.stderr.trim()}`,
            { netns: slot.netns },
          )
        }
      } catch (err) {
        claimed.delete(octet)
        if (recordPath !== undefined) await removeRecord(recordPath)
        throw err
      }
      // Another world on this network holds the slot; its record is not ours to keep.
      claimed.delete(octet)
      await removeRecord(recordPath)
    }
    throw new HostsError(
      'WORLD_HOSTS_NO_FREE_ADDRESS',
      `no free address left on ${deps.network.subnetCidr}: destroy hosts first`,
      {
        subnetCidr: deps.network.subnetCidr,
      },
    )
  }

  async function wire(slot: HostSlot, spec: HostSpec): Promise<void> {
    const ns = slot.netns
    await runChecked([
      'ip',
      'link',
      'add',
      slot.vethHost,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    ])
    await runChecked(['ip', 'link', 'set', slot.vethHost, 'master', deps.network.bridge, 'up'])
    await runChecked(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
    await runChecked(['ip', '-n', ns, 'addr', 'add', `${slot.ip}/24`, 'dev', 'eth0'])
    await runChecked(['ip', '-n', ns, 'link', 'set', 'eth0', 'up'])
    // A default route as on any server; the machine does not forward, so it ends at the gateway.
    await runChecked(['ip', '-n', ns, 'route', 'add', 'default', 'via', deps.network.gatewayIp])
    if (deps.contentBridge !== undefined && spec.contentLink !== false) {
      // The content network is on-link for the host: no route through the machine, which has none.
      const link = planContentLink(index as number, slot.octet)
      await runChecked(['ip', 'link', 'add', link.veth, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', ns])
      await runChecked(['ip', 'link', 'set', link.veth, 'master', deps.contentBridge, 'up'])
      await runChecked(['ip', '-n', ns, 'addr', 'add', `${link.ip}/24`, 'dev', 'eth1'])
      await runChecked(['ip', '-n', ns, 'link', 'set', 'eth1', 'up'])
    }
    if (spec.bandwidthMbit !== undefined) {
      const tbf = [
        'root',
        'tbf',
        'rate',
        `${spec.bandwidthMbit}mbit`,
        'burst',
        String(burstBytes(spec.bandwidthMbit)),
        'latency',
        '50ms',
      ]
      await runChecked(['tc', 'qdisc', 'add', 'dev', slot.vethHost, ...tbf])
      await runChecked(['tc', '-n', ns, 'qdisc', 'add', 'dev', 'eth0', ...tbf])
    }
  }

  async function create(input: HostSpec, createOptions: AbortOptions = {}): Promise<WorldHost> {
    const spec = parseHostSpec(input)
    await preflight()
    createOptions.signal?.throwIfAborted()
    const startedMs = performance.now()
    const { slot, record, recordPath } = await claimSlot(spec.hostname)
    const consoleLog = join(record.layerDir, 'console.log')
    let initPid: number
    try {
      await mkdir(record.layerDir, { mode: 0o700 })
      const overlayDirs = await prepareLayer({
        layerDir: record.layerDir,
        hostname: spec.hostname,
        ip: slot.ip,
        rootPassword: spec.rootPassword,
      })
      await wire(slot, spec)
      const script = renderInitScript({ hostname: spec.hostname, layerDir: record.layerDir, overlayDirs })
      const init = await startInit(slot.netns, script, consoleLog)
      await waitForSsh(slot.ip, init, consoleLog, SSH_READY_TIMEOUT_MS, createOptions.signal)
      initPid = await findInitPid(slot.netns)
    } catch (err) {
      try {
        await teardownHost(record)
        await removeRecord(recordPath)
        claimed.delete(slot.octet)
      } catch (teardownErr) {
        // The record stays, so `cleanupLeftovers` can finish the job; the create error is the news.
        log.error('hosts.create_rollback_failed', { id: record.id, error: teardownErr })
      }
      throw wrapCreateError(err, record.id, createOptions.signal)
    }
    const host = makeHost(record, recordPath, initPid)
    hosts.push(host)
    log.info('hosts.created', {
      id: host.id,
      hostname: host.hostname,
      ip: host.ip,
      ms: Math.round(performance.now() - startedMs),
    })
    return host
  }

  function makeHost(record: HostRecord, recordPath: string, initPid: number): WorldHost {
    let destroying: Promise<void> | undefined
    let destroyed = false
    const host: WorldHost = {
      id: record.id,
      hostname: record.hostname,
      ip: record.ip,
      async exec(argv: readonly string[], execOptions: HostExecOptions = {}): Promise<HostExecResult> {
        if (destroyed || destroying !== undefined)
          throw new HostsError('WORLD_HOSTS_DESTROYED', `host ${record.id} is destroyed`, { id: record.id })
        if (!(await isInNetns(initPid, record.netns))) {
          throw new HostsError(
            'WORLD_HOSTS_DESTROYED',
            `host ${record.id} has no init any more (it died); destroy it`,
            {
              id: record.id,
            },
          )
        }
        return runCommand(['nsenter', '-t', String(initPid), '-a', '--', ...argv], execOptions)
      },
      pids: () => netnsPids(record.netns),
      destroy() {
        if (destroyed) return Promise.resolve()
        destroying ??= (async () => {
          const startedMs = performance.now()
          try {
            await teardownHost(record)
          } catch (err) {
            // Allow a retry (the record is still there for cleanupLeftovers too).
            destroying = undefined
            throw err
          }
          destroyed = true
          await removeRecord(recordPath)
          claimed.delete(Number(record.ip.split('.')[3]))
          const at = hosts.indexOf(host)
          if (at >= 0) hosts.splice(at, 1)
          log.info('hosts.destroyed', {
            id: record.id,
            ip: record.ip,
            ms: Math.round(performance.now() - startedMs),
          })
        })()
        return destroying
      },
    }
    return host
  }

  const pending = new Set<Promise<WorldHost>>()

  return {
    create(spec, createOptions) {
      const creating = create(spec, createOptions)
      pending.add(creating)
      const forget = (): void => {
        pending.delete(creating)
      }
      creating.then(forget, forget)
      return creating
    },
    list: () => [...hosts],
    async destroyAll() {
      // Creates still in flight would otherwise finish after the teardown and leak their hosts.
      await Promise.allSettled([...pending])
      const results = await Promise.allSettled([...hosts].map((h) => h.destroy()))
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed !== undefined) throw failed.reason
    },
  }
}
