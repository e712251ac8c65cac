#!/usr/bin/env bash
# Runs the web page's end-to-end test (scripts/web_e2e.mjs) in headless Chromium
# against a running stack:
#
#   scripts/web-e2e.sh [BASE_URL]     (default http://127.0.0.1:9000)
#
# Installs what is missing: Debian's chromium and Node.js, and playwright-core from
# npm (pinned below) under ~/.cache/docsum/web-e2e. Playwright drives the system
# Chromium; it downloads no browser of its own.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/local/lib.sh"

# Pinned so that a new release on the registry cannot change a run.
PLAYWRIGHT_CORE_VERSION=1.65.1

base=${1:-http://127.0.0.1:$API_PORT}

command -v chromium >/dev/null || apt_install chromium
command -v node >/dev/null || apt_install nodejs npm

modules=$DOCSUM_CACHE/web-e2e
wanted="playwright-core@$PLAYWRIGHT_CORE_VERSION"
if [ "$(cat "$modules/.docsum-pins" 2>/dev/null)" != "$wanted" ]; then
  log "installing $wanted into $modules"
  mkdir -p "$modules"
  npm install --prefix "$modules" --no-audit --no-fund --silent "$wanted"
  echo "$wanted" >"$modules/.docsum-pins"
fi

PLAYWRIGHT_MODULES=$modules/node_modules CHROMIUM=$(command -v chromium) \
  timeout 300 node "$root/scripts/web_e2e.mjs" "$base"
