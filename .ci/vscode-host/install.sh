#!/usr/bin/env bash
# Installs the offline VS Code test host: Debian's chromium + ripgrep + Kerberos headers
# (apt), then code-server and playwright-core from this folder's lockfile (npm ci).
# Idempotent and cwd-independent; a stamp in node_modules makes a repeat run a no-op
# while the lockfile and the Node version are unchanged. See README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

# ---- 1. Debian packages ---------------------------------------------------------------
APT_PACKAGES=(chromium ripgrep libkrb5-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install.sh: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---- 2. npm ci, unless the stamp says node_modules matches this lockfile ---------------
STAMP="node_modules/.vscode-host-install-stamp"
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node -p process.versions.modules)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x node_modules/.bin/code-server ]; then
  echo "install.sh: node_modules up to date (stamp matches), skipping npm ci"
  exit 0
fi

# Private TMPDIR for the install; also where @vscode/ripgrep looks for its download cache.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/vscode-host-install.XXXXXX")"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

# Fix 3: code-server's postinstall installs lib/vscode's own deps, among them @vscode/ripgrep,
# whose postinstall downloads rg from GitHub (unreachable). Seed its cache with Debian's rg.
# Both versions below are the ones code-server 4.100.3 pins; bump them with code-server.
RG_PKG_VERSION=1.15.11
RG_BIN_VERSION=v13.0.0-10
case "$(uname -m)" in
  x86_64) RG_TARGET=x86_64-unknown-linux-musl ;;
  aarch64) RG_TARGET=aarch64-unknown-linux-musl ;;
  *) echo "install.sh: unsupported arch $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION"
tar czf "$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION/ripgrep-$RG_BIN_VERSION-$RG_TARGET.tar.gz" \
  -C "$(dirname "$(command -v rg)")" rg

export npm_config_unsafe_perm=true  # fix 1: code-server's postinstall refuses to run as root otherwise
export npm_config_yes=true          # fix 2: node-pty's postinstall runs `npx node-gyp`; yes=false cancels it
export npm_config_nodedir=/usr      # fix 4: node-gyp uses the system Node headers, no header download

echo "install.sh: npm ci in $HERE"
rm -f "$STAMP"
npm ci --foreground-scripts --no-audit --no-fund
echo "$want" >"$STAMP"
echo "install.sh: done"
