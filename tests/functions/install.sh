#!/usr/bin/env bash
# Installs what the test functions need beyond the .NET SDK, on a fresh Debian machine
# (run as root by .ci/run). Idempotent and quiet: does nothing when all is in place.
set -euo pipefail
cd "$(dirname "$0")"

# --- Direktiv functions: bubblewrap gives each instance its own network namespace,
# socat relays its port 8080 and log port 8889 (docs/protocols.md §8). Without them
# the agent falls back to PORT, so this part never fails the run.
direktiv_packages=()
command -v bwrap >/dev/null 2>&1 || direktiv_packages+=(bubblewrap)
command -v socat >/dev/null 2>&1 || direktiv_packages+=(socat)
if [ ${#direktiv_packages[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${direktiv_packages[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${direktiv_packages[@]}" >/dev/null 2>&1; } \
    || echo "install.sh: could not install ${direktiv_packages[*]}; Direktiv tests use the port fallback" >&2
fi

# --- http-stream functions use the published Fn FDK from npm, pinned by package-lock.json.
if [ ! -d fdk/node_modules/@fnproject/fdk ]; then
  (cd fdk && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- the content store's tests compare CIDs with npm's multiformats, the reference implementation.
if [ ! -d cid/node_modules/multiformats ]; then
  (cd cid && npm ci --no-audit --no-fund --loglevel=error)
fi
