#!/usr/bin/env bash
# Test peer: an S3-compatible server (PyPI moto[server]) on 127.0.0.1:5055 with a bucket
# `segur-test`, in the project virtualenv .venv-peers/. moto accepts any credentials.
# Idempotent: creates the virtualenv and installs moto if missing, reuses a running server.
# Prints the `export` lines the tests read (also appended to $SEGUR_PEERS_ENV when set).
#
#   eval "$(scripts/peers/s3.sh)"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${S3_PORT:-5055}"
BUCKET="${S3_BUCKET:-segur-test}"
VENV="$ROOT/.venv-peers"
URL="http://127.0.0.1:$PORT"

up() { curl -fsS -o /dev/null --max-time 2 "$URL/" ; }

if ! up 2>/dev/null; then
  if [[ ! -x "$VENV/bin/moto_server" ]]; then
    [[ -x "$VENV/bin/pip" ]] || python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q 'moto[server]' >&2
  fi
  LOG="${TMPDIR:-/tmp}/segur-moto.log"
  nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
  for _ in $(seq 1 100); do
    up 2>/dev/null && break
    sleep 0.2
  done
  up 2>/dev/null || { echo "s3.sh: moto did not start (see $LOG)" >&2; exit 1; }
  echo "s3.sh: moto started (pid $!, log $LOG)" >&2
fi
curl -fsS -o /dev/null -X PUT "$URL/$BUCKET" || true

exports="export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
export SEGUR_TEST_S3_URL='s3://$BUCKET?endpoint=$URL&region=us-east-1&allow_http=true'"
echo "$exports"
if [[ -n "${SEGUR_PEERS_ENV:-}" ]]; then
  echo "$exports" >>"$SEGUR_PEERS_ENV"
fi
