#!/usr/bin/env bash
# Runs every check of segur, the way CI does: formatting, lints, the Rust test suites on SQLite
# *and* PostgreSQL, then the browser test against the real binary.
#
# Works from a fresh clone: whatever is missing (Debian chromium and wrk, the npm packages of
# the browser test, a running PostgreSQL) is installed or started here. Idempotent: run it as
# often as you like; each run works in its own throwaway PostgreSQL database, dropped at exit.
#
# Environment:
#   SEGUR_TEST_POSTGRES_URL  use this database instead of creating one (it is not dropped)
#   SEGUR_SKIP_E2E=1         skip the browser test (quick local loop)
#   CARGO_TARGET_DIR         honoured, as cargo does
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

START_TS=$SECONDS
STEP_TS=$SECONDS

section() {
  local now=$SECONDS
  if [[ -n "${CURRENT_STEP:-}" ]]; then
    printf '    (%s: %ss)\n' "$CURRENT_STEP" "$((now - STEP_TS))"
  fi
  CURRENT_STEP="$1"
  STEP_TS=$now
  printf '\n==== %s ====\n' "$1"
}

die() {
  printf 'test.sh: error: %s\n' "$*" >&2
  exit 1
}

# Root on CI and on the reference machine; elsewhere fall back to password-less sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root to run: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
  if [[ $APT_UPDATED -eq 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# ---------------------------------------------------------------------------------------------
section "tools"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v psql >/dev/null 2>&1 || missing+=(postgresql postgresql-client)
# The attestation PDF tests read the output with independent tools (segur-attestation/tests).
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found (Rust toolchain required, see README.md)"
command -v node >/dev/null 2>&1 || die "node not found (Node.js 20 required, see README.md)"
CHROMIUM="$(command -v chromium)"
export CHROMIUM
cargo --version
node --version
"$CHROMIUM" --version 2>/dev/null | grep -v 'unexpected operator' || true

# npm ci wipes node_modules; skip it when every locked package is already there at its version.
if node -e '
  const fs = require("fs");
  const lock = require("./package-lock.json").packages;
  for (const [path, meta] of Object.entries(lock)) {
    if (!path) continue;
    try {
      if (JSON.parse(fs.readFileSync(path + "/package.json", "utf8")).version !== meta.version) process.exit(1);
    } catch { process.exit(1); }
  }' 2>/dev/null; then
  echo "npm packages already installed"
else
  npm ci --no-audit --no-fund
fi

# ---------------------------------------------------------------------------------------------
section "PostgreSQL"
PG_HOST=127.0.0.1
PG_PORT=5432
PG_OWN_DIR=""
TEST_DB=""

cleanup() {
  local rc=$?
  if [[ -n "$TEST_DB" ]]; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -q -X \
      -c "DROP DATABASE IF EXISTS \"$TEST_DB\" WITH (FORCE)" >/dev/null 2>&1 ||
      echo "test.sh: warning: could not drop database $TEST_DB" >&2
  fi
  if [[ -n "$PG_OWN_DIR" ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_OWN_DIR" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_OWN_DIR"
  fi
  if [[ $rc -eq 0 ]]; then
    printf '\n==== all checks passed (%ss) ====\n' "$((SECONDS - START_TS))"
  else
    printf '\n==== FAILED during "%s" (exit %s) ====\n' "${CURRENT_STEP:-?}" "$rc" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_trust_ok() {
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -X -tAq -c 'select 1' >/dev/null 2>&1
}

if [[ -n "${SEGUR_TEST_POSTGRES_URL:-}" ]]; then
  echo "using the database given in SEGUR_TEST_POSTGRES_URL"
else
  if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    for conf in /etc/postgresql/*/main; do
      [[ -d "$conf" ]] || continue
      version="$(basename "$(dirname "$conf")")"
      echo "starting PostgreSQL $version cluster 'main'"
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do
      pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
      sleep 1
    done
  fi
  if ! pg_trust_ok; then
    # The system cluster is absent or not set up for password-less local TCP access: run a
    # throwaway cluster of our own instead, owned by the postgres user, on another port.
    echo "system PostgreSQL on $PG_HOST:$PG_PORT not usable with trust auth; starting a throwaway cluster"
    PG_BIN="$(dirname "$(dpkg -L "$(dpkg -l 'postgresql-[0-9]*' | awk '/^ii/{print $2}' | grep -E '^postgresql-[0-9]+$' | sort -V | tail -1)" | grep '/initdb$')")"
    [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL server binaries not found"
    PG_PORT=54329
    PG_OWN_DIR="$(mktemp -d /tmp/segur-pg.XXXXXX)"
    chown postgres: "$PG_OWN_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_OWN_DIR" -A trust -U postgres >/dev/null
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_OWN_DIR" -w -l "$PG_OWN_DIR/log" \
      -o "-c listen_addresses=$PG_HOST -p $PG_PORT -k $PG_OWN_DIR" start >/dev/null
    pg_trust_ok || die "could not start a PostgreSQL cluster (see $PG_OWN_DIR/log)"
  fi
  TEST_DB="segur_test_$(date -u +%Y%m%d%H%M%S)_$$"
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -X -q -c "CREATE DATABASE \"$TEST_DB\""
  export SEGUR_TEST_POSTGRES_URL="postgres://postgres@$PG_HOST:$PG_PORT/$TEST_DB"
fi
echo "SEGUR_TEST_POSTGRES_URL=$SEGUR_TEST_POSTGRES_URL"
eval "$(scripts/peers/clamav.sh)"  # real clamd with a local EICAR database (SEGUR_TEST_CLAMD)
eval "$(scripts/peers/s3.sh)"  # moto S3 server (SEGUR_TEST_S3_URL)
eval "$(scripts/peers/smtp.sh)"  # aiosmtpd SMTP sink writing a Maildir (SEGUR_TEST_SMTP_URL, SEGUR_TEST_MAILDIR)

eval "$(scripts/peers/oidc.sh)"  # OIDC test providers (SEGUR_TEST_OIDC_ISSUER, SEGUR_TEST_PSC_*)

# ---------------------------------------------------------------------------------------------
section "cargo fmt"
cargo fmt --all --check

section "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "Rust tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked
  section "Rust doc tests"
  cargo test --workspace --doc --locked
else
  cargo test --workspace --locked
fi

# ---------------------------------------------------------------------------------------------
if [[ "${SEGUR_SKIP_E2E:-0}" == "1" ]]; then
  section "browser test skipped (SEGUR_SKIP_E2E=1)"
else
  section "build segur"
  cargo build -p segur --locked
  TARGET_DIR="$(cargo metadata --no-deps --format-version 1 --locked |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
  export SEGUR_BIN="$TARGET_DIR/debug/segur"

  section "browser test (headless Chromium, axe-core)"
  node e2e/run.mjs
fi
section "done"
