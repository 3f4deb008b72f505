#!/usr/bin/env bash
# Test peer: two OpenID Providers (npm `oidc-provider`, see scripts/peers/op.mjs) on 127.0.0.1 —
# a standard / iSC-style one on port 9090 and a Pro Santé Connect-like one on 9091.
# Idempotent: installs the npm package if missing, reuses providers already answering.
# Prints the `export` lines the tests read (also written to $SEGUR_PEERS_ENV when set).
#
#   eval "$(scripts/peers/oidc.sh)"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OIDC_PORT="${OIDC_PORT:-9090}"
PSC_PORT="${PSC_PORT:-9091}"
STD_DISCOVERY="http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration"
PSC_DISCOVERY="http://127.0.0.1:$PSC_PORT/.well-known/wallet-openid-configuration"

up() { curl -fsS -o /dev/null --max-time 2 "$STD_DISCOVERY" && curl -fsS -o /dev/null --max-time 2 "$PSC_DISCOVERY"; }

if ! up 2>/dev/null; then
  if ! node -e 'require.resolve("oidc-provider")' >/dev/null 2>&1; then
    npm install --no-audit --no-fund >&2
  fi
  LOG="${TMPDIR:-/tmp}/segur-oidc-op.log"
  OIDC_PORT="$OIDC_PORT" PSC_PORT="$PSC_PORT" nohup node scripts/peers/op.mjs >"$LOG" 2>&1 &
  for _ in $(seq 1 50); do
    up 2>/dev/null && break
    sleep 0.2
  done
  up 2>/dev/null || { echo "oidc.sh: the providers did not start (see $LOG)" >&2; exit 1; }
  echo "oidc.sh: providers started (pid $!, log $LOG)" >&2
fi

exports="export SEGUR_TEST_OIDC_ISSUER=http://127.0.0.1:$OIDC_PORT
export SEGUR_TEST_PSC_ISSUER=http://127.0.0.1:$PSC_PORT
export SEGUR_TEST_PSC_DISCOVERY=$PSC_DISCOVERY"
echo "$exports"
if [[ -n "${SEGUR_PEERS_ENV:-}" ]]; then
  echo "$exports" >>"$SEGUR_PEERS_ENV"
fi
