#!/usr/bin/env bash
# Test peer: an SMTP sink (PyPI aiosmtpd) on 127.0.0.1:2525 that writes every message it
# receives into a Maildir ($SEGUR_TEST_MAILDIR/new/), in the project virtualenv .venv-peers/.
# Idempotent: creates the virtualenv and installs aiosmtpd if missing, reuses a running sink.
# Prints the `export` lines the tests read (also appended to $SEGUR_PEERS_ENV when set).
#
#   eval "$(scripts/peers/smtp.sh)"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${SMTP_PORT:-2525}"
VENV="$ROOT/.venv-peers"
MAILDIR="${SEGUR_TEST_MAILDIR:-${TMPDIR:-/tmp}/segur-maildir}"

up() { python3 - "$PORT" <<'PY' 2>/dev/null
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=2)
s.noop()
s.quit()
PY
}

if ! up; then
  if ! "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    [[ -x "$VENV/bin/pip" ]] || python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q aiosmtpd >&2
  fi
  mkdir -p "$MAILDIR/tmp" "$MAILDIR/new" "$MAILDIR/cur"
  LOG="${TMPDIR:-/tmp}/segur-smtp.log"
  nohup "$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" >"$LOG" 2>&1 &
  for _ in $(seq 1 100); do
    up && break
    sleep 0.2
  done
  up || { echo "smtp.sh: aiosmtpd did not start (see $LOG)" >&2; exit 1; }
  echo "smtp.sh: aiosmtpd started (pid $!, log $LOG, Maildir $MAILDIR)" >&2
fi

exports="export SEGUR_TEST_SMTP_URL=smtp://127.0.0.1:$PORT
export SEGUR_TEST_MAILDIR=$MAILDIR"
echo "$exports"
if [[ -n "${SEGUR_PEERS_ENV:-}" ]]; then
  echo "$exports" >>"$SEGUR_PEERS_ENV"
fi
