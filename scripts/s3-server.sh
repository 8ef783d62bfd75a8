#!/usr/bin/env bash
# A single-node Ceph RADOS Gateway on loopback, the S3-compatible server the tests run against.
#
#   eval "$(scripts/s3-server.sh start [DIR])"   starts it (installing Debian's packages if needed) and
#                                                exports PROMPTSYNC_TEST_S3_* for the tests
#   scripts/s3-server.sh env [DIR]               prints those exports again
#   scripts/s3-server.sh stop [DIR]              stops only the processes it started and removes DIR
#
# DIR defaults to $PROMPTSYNC_S3_DIR or /tmp/promptsync-rgw; the ports to $PROMPTSYNC_S3_PORT (17480) and
# $PROMPTSYNC_S3_MON_PORT (16789), or free ones when those are taken. Only the export lines go to stdout.
set -euo pipefail

# Absolute, because the daemons change to / when they detach.
DIR="$(realpath -m "${2:-${PROMPTSYNC_S3_DIR:-/tmp/promptsync-rgw}}")"
ACCESS_KEY="${PROMPTSYNC_S3_ACCESS_KEY:-promptsync-test}"
SECRET_KEY="${PROMPTSYNC_S3_SECRET_KEY:-promptsync-test-secret}"
BUCKET="${PROMPTSYNC_S3_BUCKET:-promptsync-test}"
TIMEOUT=90
DAEMONS=(radosgw osd mon)
PACKAGES=(ceph-mon ceph-osd radosgw curl)

log() { echo "s3-server: $*" >&2; }

die() {
  log "$*"
  exit 1
}

# The wanted port when it can be bound on loopback, otherwise one the kernel picks. SO_REUSEADDR as the
# daemons use it, so connections of a previous run still in TIME_WAIT do not count as taken.
free_port() {
  python3 - "$1" <<'EOF'
import socket, sys
for port in (int(sys.argv[1]), 0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(s.getsockname()[1])
    break
EOF
}

install_packages() {
  local binary missing=0
  for binary in ceph ceph-mon ceph-osd monmaptool radosgw radosgw-admin curl; do
    command -v "$binary" >/dev/null || missing=1
  done
  [ "$missing" = 0 ] && return
  log "installing ${PACKAGES[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists are only refreshed when installing from the cached ones fails.
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2 ||
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2; }
}

# The pid in DIR/NAME.pid, only while it is still one of our daemons (pids get reused).
pid_of() {
  local pid
  pid=$(cat "$DIR/$1.pid" 2>/dev/null) && [ -n "$pid" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $DIR/ceph.conf" || return 1
  echo "$pid"
}

alive() { pid_of "$1" >/dev/null; }

http_answers() {
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
}

running() {
  local name port
  [ -f "$DIR/env" ] && [ -f "$DIR/port" ] || return 1
  for name in "${DAEMONS[@]}"; do alive "$name" || return 1; done
  port=$(cat "$DIR/port")
  owns_port "$(pid_of radosgw)" "$port" && http_answers "$port"
}

print_env() {
  [ -f "$DIR/env" ] || die "no server in $DIR; run: $0 start"
  cat "$DIR/env"
}

write_config() {
  cat >"$DIR/ceph.conf" <<EOF
[global]
fsid = $FSID
# msgr v1 only: on a non-default port the client otherwise tries msgr2 and fails to authenticate.
mon host = [v1:127.0.0.1:$MON_PORT]
ms bind msgr2 = false
# A taken port fails at once, and start moves to another, instead of retrying it for 10 s.
ms bind retry count = 1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
mon allow pool size one = true
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 1073741824
# The monitor shuts itself down when the disk under DIR is nearly full; the data lives in memory anyway.
mon data avail crit = 0
run dir = $DIR/run
crash dir = $DIR/crash
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
pid file = $DIR/\$type.pid
keyring = $DIR/keyring

[mon.a]
mon data = $DIR/mon
public addr = v1:127.0.0.1:$MON_PORT

[osd.0]
osd data = $DIR/osd
# At boot the OSD would place itself in the CRUSH map with a command that can race the monitor map and
# fail with "wrong fsid"; start_osd places it with the ceph CLI instead.
osd crush update on start = false
osd class update on start = false

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
pid file = $DIR/radosgw.pid
EOF
}

write_env() {
  echo "$PORT" >"$DIR/port"
  cat >"$DIR/env" <<EOF
export PROMPTSYNC_TEST_S3_ENDPOINT=http://127.0.0.1:$PORT
export PROMPTSYNC_TEST_S3_ACCESS_KEY_ID=$ACCESS_KEY
export PROMPTSYNC_TEST_S3_SECRET_ACCESS_KEY=$SECRET_KEY
export PROMPTSYNC_TEST_S3_REGION=us-east-1
export PROMPTSYNC_TEST_S3_BUCKET=$BUCKET
EOF
}

# True when PID holds the listening socket on PORT: another server may already answer there.
owns_port() {
  local pid="$1" port="$2" inode
  for inode in $(awk -v p="$(printf ':%04X' "$port")" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' /proc/net/tcp); do
    [ -n "$(find "/proc/$pid/fd" -lname "socket:\[$inode\]" 2>/dev/null)" ] && return 0
  done
  return 1
}

# Fails when radosgw exits, typically because another server took PORT after free_port chose it.
wait_for_rgw() {
  local deadline=$((SECONDS + TIMEOUT)) pid=""
  until [ -n "$pid" ] && owns_port "$pid" "$PORT" && http_answers "$PORT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "RADOS Gateway did not answer on http://127.0.0.1:$PORT within ${TIMEOUT} s"
    # The pid file appears a moment after radosgw detaches, and goes when it exits.
    if [ -z "$pid" ]; then
      pid=$(pid_of radosgw) || pid=""
    elif ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.5
  done
}

# On a failed start, show why and leave no daemons behind.
fail_start() {
  local file
  trap - EXIT
  log "start failed; last lines of the logs in $DIR/log:"
  for file in "$DIR"/log/*; do
    [ -f "$file" ] || continue
    echo "==> $file <==" >&2
    tail -n 15 "$file" >&2
  done
  stop_daemons
  exit 1
}

start_mon() {
  local attempt
  for attempt in 1 2 3; do
    log "starting monitor on 127.0.0.1:$MON_PORT"
    write_config
    rm -rf "$DIR/mon" "$DIR/monmap"
    monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >>"$OUT" 2>&1
    ceph-mon "${CONF[@]}" --mkfs -i a --monmap "$DIR/monmap" >>"$OUT" 2>&1
    ceph-mon "${CONF[@]}" -i a >>"$OUT" 2>&1 && return
    log "monitor did not start on 127.0.0.1:$MON_PORT (port taken?); trying another port"
    MON_PORT=$(free_port 0)
  done
  die "monitor did not start"
}

ceph_cli() {
  timeout "$TIMEOUT" ceph "${CONF[@]}" --connect-timeout "$TIMEOUT" "$@" >>"$OUT" 2>&1
}

start_osd() {
  local osd_uuid
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  log "starting a memstore OSD"
  ceph_cli osd new "$osd_uuid"
  ceph_cli osd crush add osd.0 1.0 host=localhost root=default
  ceph-osd "${CONF[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$OUT" 2>&1
  ceph-osd "${CONF[@]}" -i 0 >>"$OUT" 2>&1
}

start_rgw() {
  local attempt
  for attempt in 1 2 3; do
    log "starting RADOS Gateway on 127.0.0.1:$PORT"
    write_config
    rm -f "$DIR/radosgw.pid"
    radosgw "${CONF[@]}" -n client.rgw >>"$OUT" 2>&1
    wait_for_rgw && return
    log "RADOS Gateway exited on 127.0.0.1:$PORT (port taken?); trying another port"
    PORT=$(free_port 0)
  done
  die "RADOS Gateway did not start"
}

start() {
  if running; then
    log "already running at http://127.0.0.1:$(cat "$DIR/port")"
    print_env
    return
  fi
  install_packages
  stop_daemons
  remove_dir
  mkdir -p "$DIR"/{osd,rgw,run,log,crash}
  trap fail_start EXIT

  local started=$SECONDS
  FSID=$(cat /proc/sys/kernel/random/uuid)
  MON_PORT=$(free_port "${PROMPTSYNC_S3_MON_PORT:-16789}")
  PORT=$(free_port "${PROMPTSYNC_S3_PORT:-17480}")
  CONF=(-c "$DIR/ceph.conf")
  OUT="$DIR/log/startup.log"

  start_mon
  start_osd
  start_rgw
  timeout "$TIMEOUT" radosgw-admin "${CONF[@]}" user create --uid promptsync-test \
    --display-name "PromptSync tests" --access-key "$ACCESS_KEY" --secret "$SECRET_KEY" >>"$OUT" 2>&1

  write_env
  trap - EXIT
  log "ready in $((SECONDS - started)) s at http://127.0.0.1:$PORT"
  print_env
}

# Stops only the daemons whose pid files are in DIR, so other Ceph processes on the machine survive.
stop_daemons() {
  local name pid
  for name in "${DAEMONS[@]}"; do
    pid=$(pid_of "$name") || continue
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  done
}

remove_dir() {
  case "$DIR" in
    / | "$HOME" | /tmp) die "refusing to remove $DIR" ;;
  esac
  rm -rf "$DIR"
}

stop() {
  stop_daemons
  remove_dir
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|stop|env [DIR]" >&2
    exit 2
    ;;
esac
