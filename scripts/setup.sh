#!/usr/bin/env bash
# Idempotent setup for Dollynator: installs the Debian packages and npm dependencies the project
# needs, skipping what is already present, and fails loudly with the reason. The README's commands
# and CI run it first.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

# Debian packages the code needs so far (DESIGN.md §3), with the binary that proves each is there.
DEB_PACKAGES=(
  "litecoind:litecoind"
  "openssh-server:sshd"
  "iproute2:ip"
  "util-linux:unshare"
  "wireguard-tools:wg"
  "wireguard-go:wireguard-go"
  "iptables:iptables"
  "openssl:openssl"
  "curl:curl"
  "ngircd:ngircd"
  "chromium:chromium"
)

missing=()
for entry in "${DEB_PACKAGES[@]}"; do
  pkg=${entry%%:*}
  bin=${entry#*:}
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    && ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing Debian packages (${missing[*]}) and no apt-get: install them by hand"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else die "missing Debian packages (${missing[*]}); run as root or install them: apt-get install ${missing[*]}"; fi
  else
    SUDO=
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed (is a Debian mirror reachable?)"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed; run it by hand to see why"
fi

# The Debian openssh-server package starts a system sshd and creates host keys; the world runs its
# own sshd per host and needs only the binary and keys, so the system one is not required.
[ -x /usr/sbin/sshd ] || die "openssh-server is installed but /usr/sbin/sshd is missing"
command -v litecoind >/dev/null 2>&1 || die "litecoind is not on PATH after install"

# npm dependencies: reinstall only when the lockfile changed since the last successful install.
stamp=node_modules/.setup-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/node ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >/dev/null || die "npm ci failed; run 'npm ci' to see why"
  echo "$want" > "$stamp"
fi

node_version=$(node_modules/.bin/node --version 2>/dev/null) || die "the pinned Node runtime (npm package 'node') did not install"
case "$node_version" in
  v24.*) ;;
  *) die "expected the pinned Node 24 runtime, got $node_version" ;;
esac
say "ready (Node $node_version, litecoind $(litecoind -version 2>/dev/null | head -1 | grep -oE 'v[0-9][0-9.]+' | head -1 || echo '?'))"
