#!/usr/bin/env bash
# Property-based test of the whole API from its OpenAPI description (schemathesis),
# against a running stack:
#
#   scripts/api-properties.sh [BASE_URL]      default http://127.0.0.1:9000
#
# API_EXAMPLES sets the generated examples per operation (default 25). The stack
# should run with high auth limits (see scripts/test.sh): the test registers and
# logs in far more often than the production limits allow from one address.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/local/lib.sh"

base=${1:-http://127.0.0.1:9000}
venv=$DOCSUM_CACHE/api-test-venv
pins="schemathesis==4.32.5 pytest==9.2.0 hypothesis==6.170.27"

if [ "$(cat "$venv/pins" 2>/dev/null)" != "$pins" ]; then
  log "installing $pins into $venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet $pins
  echo "$pins" >"$venv/pins"
fi

# Hypothesis keeps its example database in the working directory; run from the venv
# so nothing is written into the repository.
cd "$venv"
DOCSUM_BASE_URL=$base HYPOTHESIS_STORAGE_DIRECTORY="$venv/hypothesis" \
  "$venv/bin/pytest" -q -p no:cacheprovider --rootdir "$venv" "$root/scripts/api_properties.py"
