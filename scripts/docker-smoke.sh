#!/usr/bin/env bash
# Smoke test of the Dockerfile's runtime stage WITHOUT a Docker engine.
#
# NOT part of CI (too slow: a release build plus an image build); run it by
# hand after touching the Dockerfile:   bash scripts/docker-smoke.sh
#
# What it does:
#   1. builds the static binary exactly like the Dockerfile's build stage
#      (cargo build --release --locked --target x86_64-unknown-linux-musl) and
#      checks that it is statically linked;
#   2. lays out a build context that mirrors the build stage's filesystem
#      (/tsb-emulator and an empty /data);
#   3. cuts the `runtime` stage out of the Dockerfile and drops its
#      `--from=build` flags, so its COPYs read the same paths from that context
#      (the Containerfile is derived, not copied, so the two cannot drift), and
#      builds it with buildah (vfs storage, chroot isolation) in a private
#      storage root under a temporary folder;
#   4. checks the image config (non-root numeric USER, ENV, EXPOSE, VOLUME,
#      ENTRYPOINT) and that /data belongs to that user;
#   5. runs the container (buildah run, chroot isolation) inside a private
#      network namespace of its own (loopback only, so host port 8080 may be
#      busy), waits for "listening on", then over loopback:
#        GET  /v1/versionInfo            -> {"Version":"2.2.0"}
#        POST /v1/key (RSA 2048 "smoke") -> 201
#      stops it with SIGTERM (expects a graceful exit 0), checks the key store
#      landed in the /data volume owned by the image's user, starts it again
#      and checks GET /v1/key/smoke -> 200 (the key persisted);
#   6. removes the container, the image and the temporary folder, also on
#      failure. Any failed step exits non-zero.
#
# Needs: cargo (+ rustup to add the musl target if missing), musl-gcc
# (musl-tools), buildah, curl, unshare and nsenter (util-linux), ip (iproute2),
# file or readelf.
# Run as root, or rootless inside `buildah unshare`.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-musl
PORT=8080

log() { printf '==> %s\n' "$*"; }
die() { printf 'docker-smoke: FAIL: %s\n' "$*" >&2; exit 1; }

for tool in cargo buildah curl unshare nsenter ip; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (apt-get install -y buildah curl util-linux iproute2)"
done
# blst (BLS signatures) compiles C for the musl target through the cc crate.
command -v musl-gcc >/dev/null 2>&1 || die "'musl-gcc' not found, needed to build blst for $TARGET (apt-get install -y musl-tools)"
[ "$(id -u)" -eq 0 ] || die "run as root (or inside 'buildah unshare')"
[ -f Dockerfile ] || die "no Dockerfile in $(pwd)"

# ---- 1. the static binary ---------------------------------------------------
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$TARGET"; then
  log "rustup target add $TARGET"
  rustup target add "$TARGET"
fi
log "cargo build --release --locked --target $TARGET"
cargo build --release --locked --target "$TARGET"
target_dir=$(cargo metadata --format-version 1 --no-deps --locked \
  | grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4)
bin="$target_dir/$TARGET/release/tsb-emulator"
[ -x "$bin" ] || die "binary not found at $bin"
if command -v file >/dev/null 2>&1; then
  file -L "$bin"
  file -L "$bin" | grep -q 'statically linked\|static-pie linked' || die "binary is not static"
else
  if readelf -l "$bin" | grep -q 'program interpreter'; then die "binary is not static"; fi
fi

# ---- temporary folder, storage root and cleanup -----------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/tsb-docker-smoke.XXXXXX")
image="localhost/tsb-emulator-smoke:$$"
bh=(buildah --storage-driver vfs --root "$work/storage" --runroot "$work/run")
ctr=""
runner_pid=""
server_pid=""

# ---- running the container (used by step 5 and by the cleanup) ------------
# `buildah run` ignores ENTRYPOINT/CMD, so it is given the image's own.
# buildah's chroot isolation shares the caller's network namespace, so give it
# a fresh one (only loopback, brought up) and talk to it through nsenter.
start_server() {
  local logfile=$1
  : >"$logfile"
  unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh \
    "${bh[@]}" run --isolation chroot "$ctr" -- "${command[@]}" >"$logfile" 2>&1 &
  runner_pid=$!
  server_pid=""
  for _ in $(seq 1 300); do
    if grep -q 'listening on' "$logfile"; then break; fi
    kill -0 "$runner_pid" 2>/dev/null || { cat "$logfile" >&2; die "container exited before listening"; }
    sleep 0.1
  done
  grep -q 'listening on' "$logfile" || { cat "$logfile" >&2; die "no 'listening on' line within 30 s"; }
  sed 's/^/    /' "$logfile"
  server_pid=$(find_server "$runner_pid")
  [ -n "$server_pid" ] || die "could not find the tsb-emulator process under buildah ($runner_pid)"
  [ "$(stat -c '%u' "/proc/$server_pid")" = "$uid" ] || die "server process is not running as uid $uid"
}

# All processes below `buildah run` (its chroot helpers, then the server).
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

find_server() {
  local pid
  for pid in $(descendants "$1"); do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = tsb-emulator ]; then echo "$pid"; return; fi
  done
}

# stop_server [SIGNAL]: signal the server itself (buildah run does not forward
# SIGTERM: it kills its child) and wait for `buildah run` to return its status.
stop_server() {
  local sig=${1:-TERM} rc=0 left
  [ -n "$runner_pid" ] || return 0
  [ -n "$server_pid" ] || server_pid=$(find_server "$runner_pid")
  [ -n "$server_pid" ] && kill "-$sig" "$server_pid" 2>/dev/null
  for _ in $(seq 1 200); do
    kill -0 "$runner_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$runner_pid" 2>/dev/null; then
    left=$(descendants "$runner_pid")
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL "$runner_pid" $left 2>/dev/null
  fi
  wait "$runner_pid" 2>/dev/null || rc=$?
  runner_pid=""
  server_pid=""
  return "$rc"
}

cleanup() {
  local rc=$?
  set +e
  stop_server KILL >/dev/null 2>&1
  [ -n "$ctr" ] && "${bh[@]}" rm "$ctr" >/dev/null 2>&1
  "${bh[@]}" rmi -f "$image" >/dev/null 2>&1
  rm -rf "$work"
  if [ "$rc" -eq 0 ]; then log "docker-smoke: OK"; else echo "docker-smoke: failed (exit $rc)" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 2. context mirroring the build stage's files ---------------------------
ctx="$work/context"
mkdir -p "$ctx/data"
cp "$bin" "$ctx/tsb-emulator"
# The runtime stage copies the example fixture set from the build context.
mkdir -p "$ctx/fixtures"
cp -r fixtures/example fixtures/keys "$ctx/fixtures/"

# ---- 3. the runtime stage, derived from the Dockerfile ----------------------
# From `FROM scratch AS runtime` up to the next FROM (or the end); COPY sources
# with a leading slash are relative to the context root, so dropping
# `--from=build` makes them read the mirrored files.
awk '
  toupper($1) == "FROM" { on = (toupper($0) ~ /^FROM[ \t]+SCRATCH[ \t]+AS[ \t]+RUNTIME[ \t]*$/) }
  on
' Dockerfile | sed -E 's/[[:space:]]--from=build([[:space:]])/\1/' > "$ctx/Containerfile"
grep -qi '^FROM[[:space:]]\+scratch[[:space:]]\+AS[[:space:]]\+runtime' "$ctx/Containerfile" \
  || die "no 'FROM scratch AS runtime' stage in the Dockerfile"
if grep -q -- '--from' "$ctx/Containerfile"; then
  die "runtime stage copies from something other than the build stage: $(grep -- '--from' "$ctx/Containerfile")"
fi
log "runtime stage as built here:"
sed 's/^/    /' "$ctx/Containerfile"

log "buildah build (vfs, chroot isolation, docker format: OCI images drop HEALTHCHECK)"
"${bh[@]}" build --format docker --isolation chroot --quiet -f "$ctx/Containerfile" -t "$image" "$ctx" >/dev/null

# ---- 4. image config --------------------------------------------------------
cfg() { "${bh[@]}" inspect --type image --format "$1" "$image"; }
user=$(cfg '{{.OCIv1.Config.User}}')
entrypoint=$(cfg '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}')
mapfile -t command < <(cfg '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}')
env=$(cfg '{{range .OCIv1.Config.Env}}{{println .}}{{end}}')
# shellcheck disable=SC2016 # Go templates, not shell
ports=$(cfg '{{range $p, $v := .OCIv1.Config.ExposedPorts}}{{println $p}}{{end}}')
# shellcheck disable=SC2016 # Go templates, not shell
volumes=$(cfg '{{range $p, $v := .OCIv1.Config.Volumes}}{{println $p}}{{end}}')
size=$("${bh[@]}" images --format '{{.Size}}' "$image")
log "image $image: size $size, user $user, entrypoint $entrypoint"
[[ "$user" =~ ^([0-9]+):([0-9]+)$ ]] || die "USER '$user' is not numeric uid:gid"
uid=${BASH_REMATCH[1]}
gid=${BASH_REMATCH[2]}
[ "$uid" -ne 0 ] || die "image runs as root"
[ "$entrypoint" = /tsb-emulator ] || die "ENTRYPOINT is not [\"/tsb-emulator\"]: $entrypoint"
grep -qx "TSB_EMULATOR_LISTEN=0.0.0.0:$PORT" <<<"$env" || die "ENV lacks TSB_EMULATOR_LISTEN=0.0.0.0:$PORT"
grep -qx 'TSB_EMULATOR_DATA_DIR=/data' <<<"$env" || die "ENV lacks TSB_EMULATOR_DATA_DIR=/data"
grep -qx "$PORT/tcp" <<<"$ports" || die "EXPOSE lacks $PORT"
grep -qx '/data' <<<"$volumes" || die "VOLUME lacks /data"
healthcheck=$(cfg '{{if .Docker.Config.Healthcheck}}{{range .Docker.Config.Healthcheck.Test}}{{print . " "}}{{end}}{{end}}')
grep -q '/tsb-emulator health' <<<"$healthcheck" || die "HEALTHCHECK does not run '/tsb-emulator health': $healthcheck"

ctr=$("${bh[@]}" from --quiet "$image")
rootfs=$("${bh[@]}" mount "$ctr")
owner=$(stat -c '%u:%g' "$rootfs/data")
[ "$owner" = "$uid:$gid" ] || die "/data in the image is owned by $owner, not $uid:$gid"
log "/data in the image is owned by $owner"
# The example fixture set ships in the image and resolves its key files there.
"$bin" fixtures validate "$rootfs/fixtures/example" || die "the image's /fixtures/example does not validate"

# ---- 5. run it --------------------------------------------------------------
in_ns() { nsenter --net="/proc/$runner_pid/ns/net" -- "$@"; }
base="http://127.0.0.1:$PORT"

log "run #1 (private network namespace)"
start_server "$work/run1.log"

version=$(in_ns curl -sS --fail -m 10 "$base/v1/versionInfo")
log "GET /v1/versionInfo -> $version"
[ "$version" = '{"Version":"2.2.0"}' ] || die "unexpected versionInfo answer"

status=$(in_ns curl -sS -m 60 -o "$work/post.json" -w '%{http_code}' \
  -H 'Content-Type: application/json' \
  -d '{"label":"smoke","algorithm":"RSA","keySize":2048,"attributes":{"decrypt":false,"sign":true,"unwrap":false}}' \
  "$base/v1/key")
log "POST /v1/key -> $status"
[ "$status" = 201 ] || { cat "$work/post.json" >&2; die "POST /v1/key answered $status, not 201"; }
grep -q '<label>smoke</label>' "$work/post.json" || die "POST /v1/key answer does not describe key 'smoke'"

log "SIGTERM"
stop_server TERM || { cat "$work/run1.log" >&2; die "server did not exit 0 on SIGTERM"; }
sed 's/^/    /' "$work/run1.log"
grep -q 'shutdown requested' "$work/run1.log" || die "no graceful shutdown logged"

# VOLUME /data: like Docker, buildah run gives the container a volume seeded
# from the image's /data. Its folder is buildah's business; find it in our
# private storage root.
shopt -s nullglob
vols=("$work"/storage/*-containers/*/userdata/buildah-volumes/*)
shopt -u nullglob
[ "${#vols[@]}" -eq 1 ] || die "expected one /data volume under $work/storage, found ${#vols[@]}"
files=$(find "${vols[0]}" -mindepth 1 | wc -l)
[ "$files" -gt 0 ] || die "nothing written to the /data volume"
foreign=$(find "${vols[0]}" \( ! -uid "$uid" -o ! -gid "$gid" \) -printf '%u:%g %P\n')
[ -z "$foreign" ] || die "files in /data not owned by $uid:$gid: $foreign"
log "/data volume: $files entries, all owned by $uid:$gid"
find "${vols[0]}" -mindepth 1 -printf '    %U:%G %M %8s %P\n'

log "run #2 (same container and volume)"
start_server "$work/run2.log"
status=$(in_ns curl -sS -m 10 -o /dev/null -w '%{http_code}' "$base/v1/key/smoke")
log "GET /v1/key/smoke -> $status"
[ "$status" = 200 ] || die "key 'smoke' did not persist in /data (GET answered $status)"
stop_server TERM || die "server did not exit 0 on SIGTERM (run #2)"

log "image size: $size"
