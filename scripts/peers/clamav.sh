#!/usr/bin/env bash
# Test peer: a real ClamAV daemon (Debian clamav-daemon) on 127.0.0.1:3310, fully offline, with
# a small local signature database built by sigtool (EICAR by content and by hash, the
# clamav-testfiles clam.exe by hash). No download of the official database.
# Idempotent: installs the packages if missing, reuses a clamd already answering PONG.
# Prints the `export` lines the tests read (also appended to $SEGUR_PEERS_ENV when set).
#
#   eval "$(scripts/peers/clamav.sh)"
set -euo pipefail
PORT="${CLAMD_PORT:-3310}"
ADDR="127.0.0.1:$PORT"
D="${SEGUR_CLAMD_DIR:-${TMPDIR:-/tmp}/segur-clamd}"

ping_clamd() (
  # zPING on the TCP socket, answer PONG (in a subshell: the descriptor and redirections stay here).
  exec 2>/dev/null
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
  printf 'zPING\0' >&3
  reply="$(timeout 2 head -c 4 <&3 || true)"
  [[ "$reply" == "PONG" ]]
)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    echo "clamav.sh: need root to run: $*" >&2; exit 1; fi
}

if ! ping_clamd; then
  if ! command -v clamd >/dev/null 2>&1 || ! command -v sigtool >/dev/null 2>&1 ||
    ! dpkg -s clamav-testfiles >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clamav-daemon clamav-testfiles >&2 ||
      { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clamav-daemon clamav-testfiles >&2; }
  fi
  CLAMD="$(command -v clamd || echo /usr/sbin/clamd)"
  rm -rf "$D" && mkdir -p "$D/db"
  # The EICAR test string, built from two halves so that no file of the repository holds it.
  printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$D/eicar.txt"
  echo "Test.EICAR-Local:0:*:$(sigtool --hex-dump <"$D/eicar.txt" | tr -d '\n')" >"$D/db/local.ndb"
  sigtool --sha256 "$D/eicar.txt" | sed 's/:[^:]*$/:Test.EICAR-Local-Hash/' >"$D/db/local.hsb"
  sigtool --sha256 "$(dpkg -L clamav-testfiles | grep '/clam.exe$')" |
    sed 's/:[^:]*$/:ClamAV-Test-File-Local/' >>"$D/db/local.hsb"
  cat >"$D/clamd.conf" <<CONF
DatabaseDirectory $D/db
LocalSocket $D/clamd.sock
TCPSocket $PORT
TCPAddr 127.0.0.1
Foreground yes
LogFile $D/clamd.log
PidFile $D/clamd.pid
StreamMaxLength 4000M
MaxScanSize 4000M
MaxFileSize 4000M
CONF
  nohup "$CLAMD" -c "$D/clamd.conf" >"$D/stdout.log" 2>&1 &
  for _ in $(seq 1 100); do
    ping_clamd && break
    sleep 0.2
  done
  ping_clamd || { echo "clamav.sh: clamd did not start (see $D/clamd.log, $D/stdout.log)" >&2; exit 1; }
  echo "clamav.sh: clamd started (pid $!, config $D/clamd.conf)" >&2
fi

exports="export SEGUR_TEST_CLAMD=$ADDR"
echo "$exports"
if [[ -n "${SEGUR_PEERS_ENV:-}" ]]; then
  echo "$exports" >>"$SEGUR_PEERS_ENV"
fi
