#!/usr/bin/env bash
# Conformance: Zoho's official Python SDK (PyPI zohocrmsdk7-0) against the emulator.
# Installs the SDK into tests/conformance/.venv, starts the emulator on a free port, runs
# conformance.py, and stops the emulator.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check zohocrmsdk7-0==6.0.0
cargo build --quiet -p zcrm-emulator --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"
log="$(mktemp)"
"$target/debug/zcrm-emulator" --port 0 > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^zcrm-emulator listening on //p' "$log")"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "emulator did not start:"; cat "$log"; exit 1; }
echo "conformance: official Python SDK against $url"
ZCRM_EMULATOR_URL="$url" "$venv/bin/python" "$here/conformance.py"
