/**
 * Shared pieces of the host integration tests: what the machine looks like (namespaces, links,
 * mounts, processes) so a test can prove a teardown left nothing behind, and an SSH login.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { Client } from 'ssh2'

/** Network namespaces, links and mounts on the machine right now. */
export function machineSnapshot(): { netns: string[]; links: string[]; mounts: string[] } {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '')
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n !== '')
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
  return { netns, links, mounts }
}

/** Whether a process with this PID is alive (zombies count as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z /.test(stat)
  } catch {
    return false
  }
}

/** Logs in as root with a password over SSH, runs `command`, returns its stdout. */
export function sshRun(ip: string, password: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    let out = ''
    client
      .on('ready', () => {
        client.exec(command, (err, stream) => {
          if (err !== undefined && err !== null) {
            client.end()
            reject(err)
            return
          }
          stream.on('data', (b: Buffer) => (out += b.toString('utf8')))
          stream.stderr.on('data', () => undefined)
          stream.on('close', () => {
            client.end()
            resolve(out)
          })
        })
      })
      .on('error', reject)
    // ssh2 without its native binding writes packets in pieces; Nagle would then add stalls.
    const sock = connect({ host: ip, port: 22 }).setNoDelay(true)
    // The ready timeout covers key exchange and authentication, and sshd delays a failed password:
    // on a loaded 2-core machine 10 s was once not enough to hear the refusal (CI, 2026-11-22).
    client.connect({ sock, username: 'root', password, readyTimeout: 30_000 })
  })
}
