import { CHILD_HOME, INCOMING_DIR, INSTALL_ROOT, LAUNCHER_PATH } from './constants.ts'
import { ENTRY_PATH, MANIFEST_NAME, RUNTIME_PATH } from './bundle-plan.ts'
import { shellQuote as q } from './shell-quote.ts'

/**
 * The bash scripts `create-child` runs on the child's server, one per step (AGENT.md §8). Each checks
 * before it acts, so running it again after an interruption finishes the job or changes nothing.
 * Secrets (keys, passwords, payloads) always arrive on stdin, never on a command line.
 */

/** Every script starts strict and appends its step to the child's installation log (AGENT.md §8). */
export function script(step: string, body: readonly string[]): string {
  return [
    'set -euo pipefail',
    'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `echo "$(date -u +%FT%TZ) step ${step}" >> /root/plebnet_installation.log 2>/dev/null || true`,
    ...body,
  ].join('\n')
}

/** Path of the claim that marks a server as one child's: never two children on one server. */
export const CLAIM_PATH = `${INSTALL_ROOT}/child.json`

/**
 * Claims the server for the claim document on stdin unless it is claimed already; prints the claim
 * in force (ours, or another child's). `ln` makes the claim atomic.
 */
export function claimScript(): string {
  return script('claim', [
    `mkdir -p ${q(INSTALL_ROOT)}`,
    `f=${q(CLAIM_PATH)}`,
    'if [ ! -e "$f" ]; then',
    '  t="$f.$$.tmp"; cat > "$t"',
    '  ln "$t" "$f" 2>/dev/null || true',
    '  rm -f "$t"',
    'fi',
    'cat "$f"',
  ])
}

/** Adds the authorized_keys line on stdin for root, once. */
export function authorizeKeyScript(): string {
  return script('authorize-key', [
    'IFS= read -r key',
    'umask 077',
    'mkdir -p /root/.ssh',
    'touch /root/.ssh/authorized_keys',
    'chmod 700 /root/.ssh; chmod 600 /root/.ssh/authorized_keys',
    'grep -qxF "$key" /root/.ssh/authorized_keys || printf \'%s\\n\' "$key" >> /root/.ssh/authorized_keys',
  ])
}

/** Marker line that shows sshd_config was hardened by us. */
const SSHD_MARKER = '# plebnet: key login only'

/**
 * Sets root's password to the one on stdin, then turns password login off: the settings are put at
 * the top of sshd_config (sshd keeps the first value it reads, so they win over the provider's lines
 * and its Include), checked with `sshd -t`, and sshd is told to reload.
 */
export function hardenScript(): string {
  return script('harden', [
    'IFS= read -r pw',
    'if ! printf \'root:%s\\n\' "$pw" | chpasswd 2>/dev/null; then',
    '  hash=$(printf \'%s\' "$pw" | openssl passwd -6 -stdin)',
    '  usermod -p "$hash" root',
    'fi',
    'c=/etc/ssh/sshd_config',
    `if ! grep -qxF ${q(SSHD_MARKER)} "$c"; then`,
    `  { printf '%s\\n' ${q(SSHD_MARKER)} 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'PermitRootLogin prohibit-password'; cat "$c"; } > "$c.plebnet.tmp"`,
    '  chmod 644 "$c.plebnet.tmp"',
    '  mv "$c.plebnet.tmp" "$c"',
    'fi',
    'sshd=$(command -v sshd || echo /usr/sbin/sshd)',
    '"$sshd" -t',
    'if [ -s /run/sshd.pid ]; then kill -HUP "$(cat /run/sshd.pid)"',
    'elif command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl reload ssh 2>/dev/null || systemctl reload sshd',
    'else pkill -HUP -x sshd || true; fi',
  ])
}

/** Prints whether root may still log in with a password (`yes`/`no`), as sshd resolves its config. */
export function passwordLoginScript(): string {
  return script('check-password-login', [
    'sshd=$(command -v sshd || echo /usr/sbin/sshd)',
    '"$sshd" -T 2>/dev/null | awk \'$1=="passwordauthentication"{print $2}\'',
  ])
}

/** Directory of an installed version. */
export function versionDir(id: string): string {
  return `${INSTALL_ROOT}/versions/${id}`
}

/** Upload path of a bundle while it is on its way. */
export function partPath(id: string): string {
  return `${INCOMING_DIR}/${id}.tar.gz.part`
}

/**
 * Prints `installed` when version `versionId` is unpacked and verified, else the bytes of bundle
 * `bundleId`'s partial upload so far (0 when none).
 */
export function bundleStateScript(versionId: string, bundleId: string): string {
  return script('bundle-state', [
    `if [ -e ${q(`${versionDir(versionId)}/.complete`)} ]; then echo installed; exit 0; fi`,
    `mkdir -p ${q(INCOMING_DIR)}`,
    `p=${q(partPath(bundleId))}`,
    // An appender of a cut session may live on until sshd notices its client is gone; stop it, or
    // its late writes would interleave with the resumed upload.
    'if [ -s "$p.pid" ]; then',
    '  old=$(cat "$p.pid")',
    '  pg=$(ps -o pgid= -p "$old" 2>/dev/null | tr -d " " || true)',
    '  if [ -n "$pg" ] && [ "$pg" != "$(ps -o pgid= -p $$ | tr -d " ")" ]; then kill -- "-$pg" 2>/dev/null || true; fi',
    '  if kill "$old" 2>/dev/null; then for i in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done; fi',
    '  rm -f "$p.pid"',
    'fi',
    'if [ -e "$p" ]; then stat -c %s "$p"; else echo 0; fi',
  ])
}

/** The command that appends stdin to `path`, recording its PID so a later run can stop a stale one. */
export function appendCommand(path: string): string {
  return `umask 077 && echo $$ > ${q(`${path}.pid`)} && exec cat >> ${q(path)}`
}

/** Where a first upload is unpacked while it arrives. */
export function streamDir(versionId: string): string {
  return `${INCOMING_DIR}/${versionId}.stream`
}

/**
 * The command for a first upload (nothing on the server yet): the bytes go to the part file and, at
 * the same time, into `tar` unpacking them, so unpacking costs no time after the transfer. The
 * unpacked tree counts only once the tarball's checksum matched (the unpack step checks that); a
 * cut transfer leaves the part file to resume from and an unfinished stream directory, which is
 * discarded. The recorded PID is the session's process group, so a stale one is stopped whole.
 */
export function streamCommand(path: string, versionId: string): string {
  const dir = streamDir(versionId)
  return [
    'set -euo pipefail',
    `echo $$ > ${q(`${path}.pid`)}`,
    `rm -rf ${q(dir)} && mkdir -p ${q(dir)}`,
    // The marker only after tar succeeded: a cut stream ends tar with an error and leaves no marker.
    `(umask 077 && exec tee -a ${q(path)}) | tar -xzf - -C ${q(dir)} --no-same-owner && touch ${q(`${dir}/.unpacked`)}`,
  ].join('\n')
}

/** Drops a partial upload (it is longer than the bundle or does not match its checksum). */
export function dropPartScript(id: string): string {
  return script('drop-part', [`rm -f ${q(partPath(id))}`])
}

/** A release tarball the child fetches itself (AGENT.md §8 step 6), with the checksum the parent read from SHA256SUMS. */
export interface ReleaseFetch {
  readonly url: string
  readonly sha256: string
}

/** Exit code of an install script: a tarball does not match its checksum (it was dropped). */
export const EXIT_TARBALL_MISMATCH = 65
/** Exit code of an install script: an unpacked file does not match the manifest. */
export const EXIT_MANIFEST_MISMATCH = 66

/**
 * Downloads a release tarball to the incoming directory unless a verified copy is there, then checks
 * it against `sha256`; exit 65 on a mismatch (the file is dropped).
 */
export function fetchReleaseScript(name: string, release: ReleaseFetch): string {
  return script('fetch-release', [
    `mkdir -p ${q(INCOMING_DIR)}`,
    `p=${q(`${INCOMING_DIR}/${name}`)}`,
    `ok() { echo ${q(`${release.sha256}  `)}"$p" | sha256sum -c --quiet --strict - >/dev/null 2>&1; }`,
    'if ! ok; then',
    '  rm -f "$p" "$p.tmp"',
    `  if command -v curl >/dev/null; then curl -fsS --retry 2 --max-time 300 -o "$p.tmp" ${q(release.url)}`,
    `  else wget -q -T 300 -O "$p.tmp" ${q(release.url)}; fi`,
    '  mv "$p.tmp" "$p"',
    `  if ! ok; then rm -f "$p"; echo "release tarball checksum mismatch" >&2; exit ${EXIT_TARBALL_MISMATCH}; fi`,
    'fi',
  ])
}

/**
 * Verifies the uploaded bundle against `sha256`, unpacks it into a scratch directory, verifies every
 * file against the bundle's manifest, adds the release sources when given (`releaseName` in the
 * incoming directory, its top directory stripped), and only then renames it into place: a version
 * directory exists only complete.
 */
export function unpackScript(
  versionId: string,
  bundleId: string,
  sha256: string,
  releaseName?: string,
): string {
  const dir = versionDir(versionId)
  return script('unpack', [
    `p=${q(partPath(bundleId))}`,
    `d=${q(dir)}`,
    `s=${q(streamDir(versionId))}`,
    'if [ -e "$d/.complete" ]; then exit 0; fi',
    `if ! echo ${q(`${sha256}  `)}"$p" | sha256sum -c --quiet --strict - >/dev/null 2>&1; then rm -rf "$p" "$s"; echo "tarball checksum mismatch" >&2; exit ${EXIT_TARBALL_MISMATCH}; fi`,
    'rm -rf "$d.tmp" "$d"',
    'mkdir -p "$(dirname "$d")"',
    'if [ -e "$s/.unpacked" ]; then rm -f "$s/.unpacked"; mv -T "$s" "$d.tmp"',
    'else rm -rf "$s"; mkdir -p "$d.tmp"; tar -xzf "$p" -C "$d.tmp" --no-same-owner; fi',
    // Every file against the manifest, the runtime (most of the bytes) on the second core.
    'verify() {',
    `  cd "$1" || return 1`,
    `  awk '$2 == "${RUNTIME_PATH}"' ${q(MANIFEST_NAME)} > .m1 && awk '$2 != "${RUNTIME_PATH}"' ${q(MANIFEST_NAME)} > .m2 || return 1`,
    '  sha256sum -c --quiet --strict .m1 >&2 & local pid=$!',
    '  local r=0',
    '  sha256sum -c --quiet --strict .m2 >&2 || r=1',
    '  wait "$pid" || r=1',
    '  rm -f .m1 .m2',
    '  return "$r"',
    '}',
    `if ! (verify "$d.tmp"); then rm -rf "$d.tmp"; exit ${EXIT_MANIFEST_MISMATCH}; fi`,
    ...(releaseName === undefined
      ? []
      : [
          `tar -xzf ${q(`${INCOMING_DIR}/${releaseName}`)} -C "$d.tmp/app" --strip-components=1 --no-same-owner`,
          `rm -f ${q(`${INCOMING_DIR}/${releaseName}`)}`,
        ]),
    'touch "$d.tmp/.complete"',
    'mv -T "$d.tmp" "$d"',
    'rm -f "$p" "$p.pid"',
  ])
}

/**
 * Points `current` at version `id` (a symlink swapped with rename, so it is never missing), writes
 * the launcher, and removes other versions except the previous one.
 */
export function activateScript(id: string): string {
  const launcher = [
    '#!/bin/sh',
    '# Written by plebnet create-child: runs the installed agent with its own runtime.',
    `exec ${INSTALL_ROOT}/current/${RUNTIME_PATH} ${INSTALL_ROOT}/current/${ENTRY_PATH} "$@"`,
  ].join('\n')
  return script('activate', [
    `cd ${q(INSTALL_ROOT)}`,
    `target=${q(`versions/${id}`)}`,
    'if [ "$(readlink current 2>/dev/null || true)" != "$target" ]; then',
    '  ln -sfn "$target" current.tmp',
    '  mv -T current.tmp current',
    'fi',
    `l=${q(LAUNCHER_PATH)}`,
    `want=${q(`${launcher}\n`)}`,
    'if [ "$(cat "$l" 2>/dev/null || true)" != "$(printf \'%s\' "$want")" ]; then',
    '  mkdir -p "$(dirname "$l")"; printf \'%s\' "$want" > "$l.tmp"; chmod 755 "$l.tmp"; mv "$l.tmp" "$l"',
    'fi',
  ])
}

/** Whether the child already consumed a payload (`agent.json` exists): prints its tree path, or nothing. */
export function agentTreeScript(): string {
  return script('agent-tree', [
    `f=${q(`${CHILD_HOME}/agent.json`)}`,
    'if [ -e "$f" ]; then sed -n \'s/.*"tree": *"\\([^"]*\\)".*/\\1/p\' "$f" | head -n 1; fi',
  ])
}

/** Writes stdin atomically to `path` with `mode` (temp file, sync, rename); the directory is made 0700. */
export function writeFileScript(path: string, mode: '600' | '644'): string {
  return script('write-file', [
    'umask 077',
    `f=${q(path)}`,
    'mkdir -p "$(dirname "$f")"',
    'cat > "$f.tmp"',
    `chmod ${mode} "$f.tmp"`,
    'sync "$f.tmp" 2>/dev/null || true',
    'mv "$f.tmp" "$f"',
  ])
}

/** Runs `plebnet setup` on the child with the given flags; its output is appended to ~/plebnet.log. */
export function setupScript(flags: readonly string[]): string {
  return script('setup', [
    `${q(LAUNCHER_PATH)} setup ${flags.map(q).join(' ')} 2>&1 | tee -a /root/plebnet.log`,
  ])
}
