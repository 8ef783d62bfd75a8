#!/usr/bin/env bash
# A single-node Ceph RADOS Gateway on loopback, the S3-compatible server the tests run against.
#
#   eval "$(scripts/s3-server.sh start [DIR])"   starts it (installing Debian's packages if needed) and
#                                                exports PROMPTSYNC_TEST_S3_* for the tests
#   scripts/s3-server.sh env [DIR]               prints those exports again
#   scripts/s3-server.sh stop [DIR]              stops only the processes it started and removes DIR
#
# Only the export lines go to stdout; progress goes to stderr.
set -euo pipefail

DIR="${2:-${PROMPTSYNC_S3_DIR:-/tmp/promptsync-rgw}}"
ACCESS_KEY="${PROMPTSYNC_S3_ACCESS_KEY:-promptsync-test}"
SECRET_KEY="${PROMPTSYNC_S3_SECRET_KEY:-promptsync-test-secret}"
BUCKET="${PROMPTSYNC_S3_BUCKET:-promptsync-test}"
DAEMONS=(radosgw osd mon)

log() { echo "s3-server: $*" >&2; }

free_port() {
  local wanted="$1"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$wanted") 2>/dev/null; then
    echo "$wanted"
  else
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  fi
}

install_packages() {
  command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && return
  log "installing ceph-mon, ceph-osd and radosgw from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw >&2 ||
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw >&2; }
}

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

print_env() { cat "$DIR/env"; }

write_config() {
  local fsid="$1" mon_port="$2" port="$3"
  cat >"$DIR/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = [v1:127.0.0.1:$mon_port]
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default pg num = 8
run dir = $DIR/run
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
pid file = $DIR/\$type.pid
keyring = $DIR/keyring
ms bind msgr2 = false

[mon.a]
mon data = $DIR/mon
public addr = v1:127.0.0.1:$mon_port

[osd.0]
osd data = $DIR/osd

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $DIR/rgw
pid file = $DIR/radosgw.pid
EOF
}

wait_for_http() {
  local port="$1"
  for _ in $(seq 1 180); do
    # Our own radosgw must be the one answering: another server may have taken the port meanwhile.
    if [ -f "$DIR/radosgw.pid" ] && ! alive radosgw; then break; fi
    if alive radosgw && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  log "RADOS Gateway is not answering on port $port (waited up to 90 s); last log lines:"
  tail -n 20 "$DIR"/log/*.log >&2 || true
  stop
  exit 1
}

start() {
  if alive radosgw && [ -f "$DIR/env" ]; then
    print_env
    return
  fi
  install_packages
  stop_daemons
  rm -rf "$DIR"
  mkdir -p "$DIR"/{mon,osd,rgw,run,log}
  local started=$SECONDS
  local mon_port port fsid osd_uuid
  mon_port=$(free_port "${PROMPTSYNC_S3_MON_PORT:-16789}")
  port=$(free_port "${PROMPTSYNC_S3_PORT:-17480}")
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  write_config "$fsid" "$mon_port" "$port"
  local conf=(-c "$DIR/ceph.conf")

  log "starting monitor on 127.0.0.1:$mon_port"
  monmaptool --create --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" "$DIR/monmap" >/dev/null
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$DIR/monmap" >&2
  ceph-mon "${conf[@]}" -i a
  log "starting a memstore OSD"
  ceph "${conf[@]}" osd new "$osd_uuid" >/dev/null
  ceph-osd "${conf[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
  ceph-osd "${conf[@]}" -i 0 >&2
  log "starting RADOS Gateway on 127.0.0.1:$port"
  radosgw "${conf[@]}" -n client.rgw
  wait_for_http "$port"
  radosgw-admin "${conf[@]}" user create --uid promptsync-test --display-name "PromptSync tests" \
    --access-key "$ACCESS_KEY" --secret "$SECRET_KEY" >/dev/null
  cat >"$DIR/env" <<EOF
export PROMPTSYNC_TEST_S3_ENDPOINT=http://127.0.0.1:$port
export PROMPTSYNC_TEST_S3_ACCESS_KEY_ID=$ACCESS_KEY
export PROMPTSYNC_TEST_S3_SECRET_ACCESS_KEY=$SECRET_KEY
export PROMPTSYNC_TEST_S3_REGION=us-east-1
export PROMPTSYNC_TEST_S3_BUCKET=$BUCKET
EOF
  log "ready in $((SECONDS - started)) s at http://127.0.0.1:$port"
  print_env
}

# Stops only the daemons whose pid files are in DIR.
stop_daemons() {
  local name pid
  for name in "${DAEMONS[@]}"; do
    [ -f "$DIR/$name.pid" ] || continue
    pid=$(cat "$DIR/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

stop() {
  stop_daemons
  rm -rf "$DIR"
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
