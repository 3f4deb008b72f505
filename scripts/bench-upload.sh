#!/usr/bin/env bash
# Upload benchmark of segur (method and latest figures: docs/benchmarks.md, "Proof file uploads").
#
# Builds the release binary, starts it on demo data in a throwaway directory (SQLite and local
# files on the same file system as the temporary area), and measures side by side:
#   openssl    `openssl dgst -sha256` of a 1 GiB file (the hashing limit of this machine)
#   upload     the same file uploaded over loopback HTTP (curl, one tus PATCH), received,
#              hashed and stored as a proof file; the server's SHA-256 must equal openssl's
#   RSS growth the server's peak resident memory (VmHWM) during the upload minus its VmRSS before
#   8 × 256 MiB eight different files uploaded at once; every one must complete with its hash
# then prints PASS/FAIL against the targets and one JSON line with the results.
# Exit status: 0 when every target is met, 1 when one is missed, 2 on a setup error.
#
# Environment:
#   SEGUR_BIN      benchmark this binary instead of building target/release/segur
#   BENCH_SIZE_MIB size of the big file (default 1024)
#   BENCH_DIR      where to put the files (default a new directory under /tmp)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SIZE_MIB="${BENCH_SIZE_MIB:-1024}"
SMALL_MIB=256
PARALLEL=8
DEMO_LOGIN="mandataire@monlps.demo"
CAND="monlps-psf"
TARGET_RATIO=0.5
TARGET_RSS_MIB=64

fail_setup() {
  echo "bench-upload: error: $*" >&2
  exit 2
}
for tool in curl openssl python3; do
  command -v "$tool" >/dev/null 2>&1 || fail_setup "$tool not found"
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
PASSWORD="$(sed -n 's/^pub const PASSWORD: &str = "\(.*\)";/\1/p' crates/segur/src/demo_accounts.rs)"

WORK="${BENCH_DIR:-$(mktemp -d /tmp/segur-bench-upload.XXXXXX)}"
mkdir -p "$WORK"
SERVER_PID=""
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
rss_kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER_PID/status"; }

# Files: PNG signature + random bytes (every proof kind accepts PNG).
make_file() { # path size_mib
  { printf '\x89PNG\r\n\x1a\n'; head -c $(($2 * 1048576 - 8)) /dev/urandom; } >"$1"
}
echo "==== files: 1 × $SIZE_MIB MiB, $PARALLEL × $SMALL_MIB MiB ===="
make_file "$WORK/big.png" "$SIZE_MIB"
for i in $(seq 1 $PARALLEL); do make_file "$WORK/small-$i.png" "$SMALL_MIB"; done

env -u SEGUR_DATABASE_URL -u SEGUR_BLOB_URL -u SEGUR_CLAMD \
  "$BIN" serve --demo --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 600); do
  BASE="$(sed -n 's#.*segur: listening on \(http://[^ ]*\).*#\1#p' "$WORK/server.log" | head -n1)"
  [[ -n "$BASE" && "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health" || true)" == "200" ]] && break
  sleep 0.1
done
[[ -n "$BASE" ]] || fail_setup "server did not start: $(cat "$WORK/server.log")"
curl -s -o /dev/null -c "$WORK/jar" -d "login=${DEMO_LOGIN/@/%40}&password=$PASSWORD" "$BASE/connexion"
ITEMS="$(curl -s -b "$WORK/jar" "$BASE/api/v1/candidatures/$CAND/proof-items?limit=500" |
  python3 -c 'import json,sys; [print(i["requirement"], i["scenario"], i["proof"]) for i in json.load(sys.stdin)["items"] if i["status"]=="to_deposit"]')"
[[ $(wc -l <<<"$ITEMS") -gt $PARALLEL ]] || fail_setup "not enough proof items to deposit (sign-in failed?)"

# upload FILE ITEM_LINE OUT: creates the upload, sends the file in one PATCH, writes the JSON.
upload() {
  local file="$1" req scen proof size loc
  read -r req scen proof <<<"$2"
  size=$(stat -c %s "$file")
  loc="$(curl -s -b "$WORK/jar" -H 'Content-Type: application/json' \
    -d "{\"requirement\":\"$req\",\"scenario\":$scen,\"proof\":$proof,\"file_name\":\"$(basename "$file")\",\"size\":$size}" \
    "$BASE/api/v1/candidatures/$CAND/uploads" | python3 -c 'import json,sys; print(json.load(sys.stdin)["location"])')"
  curl -s -b "$WORK/jar" -X PATCH -T "$file" -H 'Expect:' \
    -H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 0' -H 'Tus-Resumable: 1.0.0' \
    -o "$3" -w '%{http_code}' "$BASE$loc"
}
sha_of_json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$1"; }

echo "==== openssl dgst -sha256 (page cache warm) ===="
cat "$WORK/big.png" >/dev/null
t0=$(now)
OPENSSL_SHA="$(openssl dgst -sha256 -r "$WORK/big.png" | cut -d' ' -f1)"
OPENSSL_S=$(echo "$(now) - $t0" | bc -l)

echo "==== upload $SIZE_MIB MiB over loopback HTTP ===="
RSS_BEFORE=$(rss_kib VmRSS)
t0=$(now)
CODE=$(upload "$WORK/big.png" "$(sed -n 1p <<<"$ITEMS")" "$WORK/big.json")
UPLOAD_S=$(echo "$(now) - $t0" | bc -l)
RSS_PEAK=$(rss_kib VmHWM)
[[ "$CODE" == "200" ]] || fail_setup "upload answered $CODE: $(cat "$WORK/big.json")"
UPLOAD_SHA="$(sha_of_json "$WORK/big.json")"

echo "==== $PARALLEL concurrent uploads of $SMALL_MIB MiB ===="
t0=$(now)
pids=()
for i in $(seq 1 $PARALLEL); do
  (upload "$WORK/small-$i.png" "$(sed -n "$((i + 1))p" <<<"$ITEMS")" "$WORK/small-$i.json" >"$WORK/small-$i.code") &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
PAR_S=$(echo "$(now) - $t0" | bc -l)
PAR_OK=0
for i in $(seq 1 $PARALLEL); do
  if [[ "$(cat "$WORK/small-$i.code")" == "200" ]] &&
    [[ "$(sha_of_json "$WORK/small-$i.json")" == "$(openssl dgst -sha256 -r "$WORK/small-$i.png" | cut -d' ' -f1)" ]]; then
    PAR_OK=$((PAR_OK + 1))
  fi
done

OPENSSL_MIBS=$(echo "$SIZE_MIB / $OPENSSL_S" | bc -l)
UPLOAD_MIBS=$(echo "$SIZE_MIB / $UPLOAD_S" | bc -l)
RATIO=$(echo "$UPLOAD_MIBS / $OPENSSL_MIBS" | bc -l)
RSS_GROWTH_MIB=$(echo "($RSS_PEAK - $RSS_BEFORE) / 1024" | bc -l)
PAR_MIBS=$(echo "$PARALLEL * $SMALL_MIB / $PAR_S" | bc -l)
status=0
verdict() { if [[ "$1" == 1 ]]; then echo PASS; else echo FAIL; status=1; fi; }
printf '\n%-34s %8.0f MiB/s  (%.2f s)\n' "openssl dgst -sha256 ($SIZE_MIB MiB)" "$OPENSSL_MIBS" "$OPENSSL_S"
printf '%-34s %8.0f MiB/s  (%.2f s)  ratio %.2f (target >= %s)  %s\n' "upload, hashed and stored" \
  "$UPLOAD_MIBS" "$UPLOAD_S" "$RATIO" "$TARGET_RATIO" "$(verdict "$(echo "$RATIO >= $TARGET_RATIO" | bc)")"
printf '%-34s %s\n' "same SHA-256 as openssl" "$(verdict "$([[ "$UPLOAD_SHA" == "$OPENSSL_SHA" ]] && echo 1 || echo 0)")"
printf '%-34s %8.1f MiB     (target < %s)  %s\n' "server RSS growth (peak - before)" "$RSS_GROWTH_MIB" \
  "$TARGET_RSS_MIB" "$(verdict "$(echo "$RSS_GROWTH_MIB < $TARGET_RSS_MIB" | bc)")"
printf '%-34s %d/%d ok, %.0f MiB/s in all (%.2f s)  %s\n' "$PARALLEL × $SMALL_MIB MiB concurrent" "$PAR_OK" \
  "$PARALLEL" "$PAR_MIBS" "$PAR_S" "$(verdict "$([[ $PAR_OK -eq $PARALLEL ]] && echo 1 || echo 0)")"
printf '{"size_mib":%s,"openssl_mib_s":%.0f,"upload_mib_s":%.0f,"ratio":%.3f,"rss_growth_mib":%.1f,"parallel_ok":%d,"parallel_mib_s":%.0f}\n' \
  "$SIZE_MIB" "$OPENSSL_MIBS" "$UPLOAD_MIBS" "$RATIO" "$RSS_GROWTH_MIB" "$PAR_OK" "$PAR_MIBS"
exit $status
