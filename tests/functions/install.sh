#!/usr/bin/env bash
# Installs what the test functions need beyond the .NET SDK, on a fresh machine.
# Idempotent and quiet; run by .ci/run before the tests.
set -euo pipefail
cd "$(dirname "$0")"

# http-stream test functions use the published Fn FDK from npm, pinned by package-lock.json.
(cd fdk && npm ci --no-audit --no-fund --loglevel=error)
