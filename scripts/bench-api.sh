#!/usr/bin/env bash
# API benchmark of segur (method and latest figures: docs/benchmarks.md).
#
# Builds the release binary, starts it on demo data in a throwaway directory, and measures:
#   start      time from spawn to the first 200 on /health (ms)
#   idle RSS   resident memory after a warm-up and 2 s of idle (MiB, from /proc/PID/status)
#   req/s, p99 wrk on GET /api/v1/candidatures/monlps-psf/proof-items?limit=500, logged in
# then prints PASS/FAIL against the targets and one JSON line with the results.
# Exit status: 0 when every target is met, 1 when one is missed, 2 on a setup error.
#
# Environment:
#   SEGUR_BIN          benchmark this binary instead of building target/release/segur
#   BENCH_DURATION     wrk duration (default 15s)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 16)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION="${BENCH_DURATION:-15s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
# monlps-mdv: the demo candidature on the MDV REM, 131 applicable proof items (the issue's "about 140").
API_PATH="${BENCH_PATH:-/api/v1/candidatures/monlps-mdv/proof-items?limit=500}"
DEMO_LOGIN="mandataire@monlps.demo"
DEMO_PASSWORD="segur-demo-2026"

# Targets.
TARGET_RPS=3000
TARGET_P99_MS=20
TARGET_START_MS=300
TARGET_FIRST_START_MS=1000
TARGET_RSS_MIB=50

fail_setup() {
  echo "bench-api: error: $*" >&2
  exit 2
}

for tool in curl wrk awk; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends curl wrk
    else
      fail_setup "$tool not found (apt-get install curl wrk)"
    fi
  fi
done

if [[ -n "${SEGUR_BIN:-}" ]]; then
  BIN="$SEGUR_BIN"
else
  echo "==== cargo build --release -p segur ===="
  cargo build --release -p segur --locked
  TARGET_DIR="$(cargo metadata --no-deps --format-version 1 --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  BIN="${TARGET_DIR:-$ROOT/target}/release/segur"
fi
[[ -x "$BIN" ]] || fail_setup "binary not found: $BIN"

WORK="$(mktemp -d /tmp/segur-bench.XXXXXX)"
SERVER_PID=""
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# Starts the server on the data directory and waits for a 200 on /health; sets BASE,
# SERVER_PID and ELAPSED_MS. The benchmark always runs on the embedded defaults.
start_server() {
  local t0
  t0=$(now_ms)
  env -u SEGUR_DATABASE_URL -u SEGUR_BLOB_URL \
    "$BIN" serve "$@" --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  BASE=""
  local healthy=0
  # Busy-poll: first for the printed URL, then for a 200 on /health (60 s at most).
  while (($(now_ms) - t0 < 60000)); do
    kill -0 "$SERVER_PID" 2>/dev/null || {
      cat "$WORK/server.log" >&2
      fail_setup "server exited during start-up"
    }
    if [[ -z "$BASE" ]]; then
      BASE="$(sed -n 's#.*segur: listening on \(http://[^ ]*\).*#\1#p' "$WORK/server.log" | head -n1)"
      BASE="${BASE%/}"
    fi
    if [[ -n "$BASE" && "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health" || true)" == "200" ]]; then
      healthy=1
      break
    fi
    sleep 0.01 # leave the CPU to the server: this machine has 2 cores
  done
  ELAPSED_MS=$(($(now_ms) - t0))
  if [[ $healthy -ne 1 ]]; then
    cat "$WORK/server.log" >&2
    fail_setup "no 200 on /health within 60 s (URL: ${BASE:-not printed})"
  fi
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

echo "==== first start (creates the database, loads the demo) ===="
start_server --demo
FIRST_START_MS=$ELAPSED_MS
echo "server: $BASE (pid $SERVER_PID), first 200 on /health after ${FIRST_START_MS} ms"
stop_server

echo "==== start to first response (existing data) ===="
start_server
START_MS=$ELAPSED_MS
echo "server: $BASE (pid $SERVER_PID), first 200 on /health after ${START_MS} ms"

echo "==== login ===="
LOGIN_STATUS="$(curl -s -o /dev/null -w '%{http_code}' -c "$WORK/cookies" \
  -H "Origin: $BASE" \
  --data-urlencode "login=$DEMO_LOGIN" --data-urlencode "password=$DEMO_PASSWORD" \
  "$BASE/connexion")"
SESSION="$(awk '$6 == "segur_session" { print $7 }' "$WORK/cookies" | tail -n1)"
[[ -n "$SESSION" ]] || fail_setup "POST /connexion answered $LOGIN_STATUS without a segur_session cookie"
echo "POST /connexion → $LOGIN_STATUS, cookie segur_session set"

API_STATUS="$(curl -s -o "$WORK/body.json" -w '%{http_code}' -H "Cookie: segur_session=$SESSION" "$BASE$API_PATH")"
[[ "$API_STATUS" == "200" ]] || fail_setup "GET $API_PATH answered $API_STATUS: $(head -c 300 "$WORK/body.json")"
BODY_BYTES="$(wc -c <"$WORK/body.json")"
ITEMS="$(grep -o '"total":[0-9]*' "$WORK/body.json" | head -n1 | cut -d: -f2)"
echo "GET $API_PATH → 200, ${BODY_BYTES} bytes, total ${ITEMS:-?} items"

echo "==== idle memory ===="
# Warm-up: the pages and the API once each, then the API a few times, then 2 s of idle.
for path in /health / /connexion; do curl -s -o /dev/null "$BASE$path"; done
for _ in $(seq 1 20); do
  curl -s -o /dev/null -H "Cookie: segur_session=$SESSION" "$BASE$API_PATH"
done
sleep 2
RSS_KB="$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")"
RSS_MIB="$(awk -v kb="$RSS_KB" 'BEGIN { printf "%.1f", kb / 1024 }')"
echo "idle RSS: ${RSS_MIB} MiB (VmRSS ${RSS_KB} kB)"

echo "==== wrk -t$THREADS -c$CONNECTIONS -d$DURATION ===="
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
  -H "Cookie: segur_session=$SESSION" "$BASE$API_PATH" | tee "$WORK/wrk.txt"

RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.txt")"
# wrk prints the 99th percentile as e.g. "99%   12.34ms" (unit us, ms or s).
P99_MS="$(awk '$1 == "99%" {
    v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
    if (unit == "us") v = v / 1000; else if (unit == "s") v = v * 1000; else if (unit == "m") v = v * 60000;
    printf "%.2f", v }' "$WORK/wrk.txt")"
NON_2XX="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$WORK/wrk.txt")"
NON_2XX="${NON_2XX:-0}"
SOCKET_ERRORS="$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$WORK/wrk.txt")"
SOCKET_ERRORS="${SOCKET_ERRORS:-0}"
[[ -n "$RPS" && -n "$P99_MS" ]] || fail_setup "could not read wrk's output"
kill -0 "$SERVER_PID" 2>/dev/null || fail_setup "server died during the load test"

echo "==== results ===="
OVERALL=0
verdict() { # name value op target unit
  local name="$1" value="$2" op="$3" target="$4" unit="$5" ok
  ok="$(awk -v v="$value" -v t="$target" -v op="$op" 'BEGIN { print ((op == ">=" ? v >= t : v < t) ? 1 : 0) }')"
  if [[ "$ok" == "1" ]]; then
    printf '%-22s %10s %-4s  target %s %s %s  PASS\n' "$name" "$value" "$unit" "$op" "$target" "$unit"
  else
    printf '%-22s %10s %-4s  target %s %s %s  FAIL\n' "$name" "$value" "$unit" "$op" "$target" "$unit"
    OVERALL=1
  fi
}
verdict "throughput" "$RPS" ">=" "$TARGET_RPS" "req/s"
verdict "latency p99" "$P99_MS" "<" "$TARGET_P99_MS" "ms"
verdict "start to first 200" "$START_MS" "<" "$TARGET_START_MS" "ms"
verdict "first start (+demo)" "$FIRST_START_MS" "<" "$TARGET_FIRST_START_MS" "ms"
verdict "idle RSS" "$RSS_MIB" "<" "$TARGET_RSS_MIB" "MiB"
if [[ "$NON_2XX" != "0" || "$SOCKET_ERRORS" != "0" ]]; then
  echo "errors during the load test: $NON_2XX non-2xx responses, $SOCKET_ERRORS socket errors  FAIL"
  OVERALL=1
fi

printf '{"bench":"api","path":"%s","threads":%s,"connections":%s,"duration":"%s","requests_per_s":%s,"p99_ms":%s,"start_ms":%s,"first_start_ms":%s,"idle_rss_mib":%s,"non_2xx":%s,"socket_errors":%s,"body_bytes":%s,"total_items":%s,"cores":%s}\n' \
  "$API_PATH" "$THREADS" "$CONNECTIONS" "$DURATION" "$RPS" "$P99_MS" "$START_MS" "$FIRST_START_MS" "$RSS_MIB" \
  "$NON_2XX" "$SOCKET_ERRORS" "$BODY_BYTES" "${ITEMS:-null}" "$(nproc)"
exit "$OVERALL"
