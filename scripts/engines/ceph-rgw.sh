#!/usr/bin/env bash
# A single-node Ceph cluster with a RADOS Gateway (S3) on 127.0.0.1, for tests
# and the scale-out quick start: 1 monitor, 1 OSD on memstore (RAM, no block
# device) and radosgw's beast frontend. No systemd and no /etc/ceph or
# /var/run/ceph: the config, logs, pid files and admin sockets all live in
# CEPH_DIR, so several clusters can run side by side on distinct ports.
#
#   scripts/engines/ceph-rgw.sh start   create (first time) or restart the cluster, then wait
#   scripts/engines/ceph-rgw.sh wait    wait until the S3 endpoint answers
#   scripts/engines/ceph-rgw.sh stop    stop the daemons by their pid files (CEPH_DIR is kept)
#   scripts/engines/ceph-rgw.sh env     print the app's S3_* settings for this cluster
#
# Settings (environment):
#   CEPH_DIR              data folder                       (default /tmp/ceph-rgw)
#   CEPH_MON_PORT         monitor port (msgr2)              (default 3300)
#   CEPH_RGW_PORT         S3 endpoint port                  (default 7480)
#   CEPH_MEMSTORE_SIZE    capacity of the RAM OSD, bytes    (default 8 GiB; only what is stored uses RAM)
#   CEPH_WAIT_SECONDS     how long start/wait may take      (default 90)
#   S3_ACCESS_KEY_ID      S3 user's access key              (default tus-dev-access-key)
#   S3_SECRET_ACCESS_KEY  S3 user's secret key              (default tus-dev-secret-key)
#   S3_BUCKET             bucket created at first start     (default uploads)
#
# The OSD and radosgw also bind msgr ports in Ceph's usual 6800-7300 range,
# chosen by themselves among the free ones. Data on memstore is written to
# CEPH_DIR when the OSD stops cleanly and read back when it starts again, so a
# stop/start keeps the objects; a SIGKILL loses them.
set -euo pipefail

CEPH_DIR="${CEPH_DIR:-/tmp/ceph-rgw}"
CEPH_MON_PORT="${CEPH_MON_PORT:-3300}"
CEPH_RGW_PORT="${CEPH_RGW_PORT:-7480}"
CEPH_MEMSTORE_SIZE="${CEPH_MEMSTORE_SIZE:-8589934592}"
CEPH_WAIT_SECONDS="${CEPH_WAIT_SECONDS:-90}"
S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:-tus-dev-access-key}"
S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:-tus-dev-secret-key}"
S3_BUCKET="${S3_BUCKET:-uploads}"

CONF="$CEPH_DIR/ceph.conf"
RUN="$CEPH_DIR/run"
LOG="$CEPH_DIR/log"
ENDPOINT="http://127.0.0.1:$CEPH_RGW_PORT"
DAEMONS=(mon.a osd.0 client.rgw)

say() { echo "ceph-rgw: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# Bounded wait for a condition (a command), one try per 200 ms.
wait_for() {
  local what="$1" deadline=$((SECONDS + CEPH_WAIT_SECONDS))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready after ${CEPH_WAIT_SECONDS}s (logs in $LOG)"
    sleep 0.2
  done
}

ceph_cli() { ceph -c "$CONF" --connect-timeout 10 "$@"; }

write_conf() {
  mkdir -p "$RUN" "$LOG" "$CEPH_DIR/mon" "$CEPH_DIR/osd" "$CEPH_DIR/rgw" "$CEPH_DIR/crash"
  cat >"$CONF" <<CONF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = [v2:127.0.0.1:$CEPH_MON_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# Without these, clients hang 300 s on "get_initial_auth_request returned -13" when auth is none.
ms mon client mode = crc secure
ms client mode = crc secure
keyring = $CEPH_DIR/keyring
run dir = $RUN
pid file = $RUN/\$cluster-\$name.pid
admin socket = $RUN/\$cluster-\$name.\$pid.asok
log file = $LOG/\$cluster-\$name.log
mon cluster log file = $LOG/\$cluster.log
crash dir = $CEPH_DIR/crash
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
mon data avail warn = 1
osd objectstore = memstore
memstore device bytes = $CEPH_MEMSTORE_SIZE
# memstore writes its objects to osd data only when it unmounts, which the
# default fast shutdown skips: without this a restart would lose every object.
osd fast shutdown = false

[mon.a]
mon data = $CEPH_DIR/mon

[osd.0]
osd data = $CEPH_DIR/osd

[client.rgw]
rgw data = $CEPH_DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$CEPH_RGW_PORT
# Deleted and aborted objects are collected after a minute rather than two
# hours: memstore keeps them in RAM until then.
rgw gc obj min wait = 60
rgw gc processor period = 60
CONF
}

pid_of() { cat "$RUN/ceph-$1.pid" 2>/dev/null || true; }

alive() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# A signed S3 request without a body. curl signs with SigV4 but does not send
# the payload hash, which RGW needs: it is the sha256 of the empty body here.
s3_request() {
  curl -sf --max-time 30 -X "$1" --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY_ID:$S3_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$ENDPOINT$2"
}

s3_answers() { curl -sf -o /dev/null --max-time 2 "$ENDPOINT/"; }

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd.0 up'; }

create() {
  say "creating a cluster in $CEPH_DIR (mon 127.0.0.1:$CEPH_MON_PORT, S3 $ENDPOINT)"
  write_conf
  ceph-authtool --create-keyring "$CEPH_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$CONF")" --addv a "[v2:127.0.0.1:$CEPH_MON_PORT]" \
    "$CEPH_DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/keyring"
  ceph-mon -c "$CONF" -i a
  local uuid
  uuid="$(cat /proc/sys/kernel/random/uuid)"
  [ "$(ceph_cli osd create "$uuid")" = 0 ] || die "the new cluster's first OSD is not osd.0"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" 2>>"$LOG/mkfs.log"
  ceph-osd -c "$CONF" -i 0
  wait_for "the OSD" osd_up
  radosgw-admin -c "$CONF" user create --uid tus --display-name "tus server" \
    --access-key "$S3_ACCESS_KEY_ID" --secret "$S3_SECRET_ACCESS_KEY" >/dev/null
  radosgw -c "$CONF" -n client.rgw
  wait_for "the S3 endpoint" s3_answers
  s3_request PUT "/$S3_BUCKET" >/dev/null || die "could not create bucket $S3_BUCKET"
}

restart() {
  say "starting the cluster in $CEPH_DIR again"
  alive mon.a || ceph-mon -c "$CONF" -i a
  alive osd.0 || ceph-osd -c "$CONF" -i 0
  wait_for "the OSD" osd_up
  alive client.rgw || radosgw -c "$CONF" -n client.rgw
}

start() {
  local began=$SECONDS
  if [ -f "$CONF" ]; then restart; else create; fi
  wait_for "the S3 endpoint" s3_answers
  say "ready in $((SECONDS - began))s: $ENDPOINT bucket $S3_BUCKET"
}

stop() {
  local name pid i
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    name="${DAEMONS[i]}"
    pid="$(pid_of "$name")"
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name ($pid) did not stop within 10s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/ceph-$name.pid"
  done
}

print_env() {
  cat <<ENV
S3_ENDPOINT=$ENDPOINT
S3_BUCKET=$S3_BUCKET
S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
ENV
}

case "${1:-}" in
  start) start ;;
  wait) wait_for "the S3 endpoint" s3_answers ;;
  stop) stop ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|wait|stop|env" >&2
    exit 2
    ;;
esac
