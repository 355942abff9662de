#!/usr/bin/env bash
# The scale-out cluster on one machine, every part on 127.0.0.1: Redis (the
# shared lock and cache), Ceph with its S3 gateway (the storage), two app
# instances (`node --import tsx serve.ts`, as `npm start` runs it) and nginx
# in front of them, round-robin. The tests of e2e/cluster/ start it with this
# same script.
#
#   bash scripts/cluster.sh up            start what is not running, print the URL
#   bash scripts/cluster.sh down          stop everything it started (pid files)
#   bash scripts/cluster.sh status        what runs, where; exit 3 when a part is down
#   bash scripts/cluster.sh start|stop <part>   one part: redis, ceph, app1, app2, lb
#
# Settings (environment); anything else the app reads (UPLOAD_TOKEN_SECRET,
# UPLOAD_MAX_SIZE, …) is passed on to both instances:
#   CLUSTER_DIR         state: pids, logs, generated configs, Ceph's data   (default data/cluster)
#   CLUSTER_LB_PORT     nginx, the URL to open                              (default 8080)
#   CLUSTER_APP_PORTS   the instances' ports, space-separated               (default "3001 3002")
#   CLUSTER_REDIS_PORT  redis-server                                        (default 6390)
#   CLUSTER_MON_PORT    Ceph monitor                                        (default 3300)
#   CLUSTER_RGW_PORT    Ceph RADOS Gateway (S3)                             (default 7480)
#   CLUSTER_PUBLIC_URL  PUBLIC_URL of the instances, when clients reach nginx by another name
#
# Needs `npm run build` first, and Debian's redis-server, nginx-light,
# ceph-mon, ceph-osd, radosgw, ceph-common (`npm run test:deps` installs them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "${CLUSTER_DIR:=$ROOT/data/cluster}"
CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd)
CLUSTER_LB_PORT=${CLUSTER_LB_PORT:-8080}
CLUSTER_APP_PORTS=${CLUSTER_APP_PORTS:-3001 3002}
CLUSTER_REDIS_PORT=${CLUSTER_REDIS_PORT:-6390}
CLUSTER_MON_PORT=${CLUSTER_MON_PORT:-3300}
CLUSTER_RGW_PORT=${CLUSTER_RGW_PORT:-7480}
read -r -a APP_PORTS <<<"$CLUSTER_APP_PORTS"

RUN="$CLUSTER_DIR/run"
LOGS="$CLUSTER_DIR/logs"
CEPH_SCRIPT="$ROOT/scripts/engines/ceph-rgw.sh"
NGINX_SCRIPT="$ROOT/scripts/engines/nginx-lb.sh"
APP_READY_LINE='ready: storing uploads in'
APP_START_SECONDS=${CLUSTER_APP_START_SECONDS:-90}
mkdir -p "$RUN" "$LOGS"
chmod 700 "$CLUSTER_DIR"

say() { echo "cluster: $*"; }
die() {
  echo "cluster: $*" >&2
  exit 1
}

ceph_rgw() { CEPH_DIR="$CLUSTER_DIR/ceph" CEPH_MON_PORT=$CLUSTER_MON_PORT CEPH_RGW_PORT=$CLUSTER_RGW_PORT bash "$CEPH_SCRIPT" "$@"; }
lb() {
  local upstreams="" port
  for port in "${APP_PORTS[@]}"; do upstreams+="127.0.0.1:$port "; done
  NGINX_DIR="$CLUSTER_DIR/nginx" NGINX_PORT=$CLUSTER_LB_PORT NGINX_UPSTREAMS="$upstreams" bash "$NGINX_SCRIPT" "$@"
}

# The pid in run/<part>.pid if that process is alive.
live_pid() {
  local pid
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Signals a process group (every part runs in its own session) and waits, bounded, for its leader to go.
stop_group() {
  local part=$1 pid
  pid=$(live_pid "$part") || {
    rm -f "$RUN/$part.pid"
    return 0
  }
  kill -TERM -- "-$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 15))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  rm -f "$RUN/$part.pid"
  say "$part stopped"
}

start_redis() {
  if live_pid redis >/dev/null; then return 0; fi
  mkdir -p "$CLUSTER_DIR/redis"
  # No persistence: Redis holds locks and a cache of what S3 has; both are rebuilt.
  setsid redis-server --bind 127.0.0.1 --port "$CLUSTER_REDIS_PORT" --save '' --appendonly no \
    --dir "$CLUSTER_DIR/redis" --daemonize no --logfile "$LOGS/redis.log" </dev/null >/dev/null 2>&1 &
  echo $! >"$RUN/redis.pid"
  local deadline=$((SECONDS + 15))
  until [ "$(redis-cli -h 127.0.0.1 -p "$CLUSTER_REDIS_PORT" ping 2>/dev/null)" = PONG ]; do
    live_pid redis >/dev/null || die "redis-server exited; $LOGS/redis.log says: $(tail -n 5 "$LOGS/redis.log" 2>/dev/null)"
    [ $SECONDS -lt $deadline ] || die "redis-server did not answer on 127.0.0.1:$CLUSTER_REDIS_PORT within 15 s"
    sleep 0.1
  done
  say "redis on 127.0.0.1:$CLUSTER_REDIS_PORT (pid $(live_pid redis))"
}

start_ceph() {
  ceph_rgw start >>"$LOGS/ceph.log" 2>&1 || die "Ceph did not start; $LOGS/ceph.log says: $(tail -n 10 "$LOGS/ceph.log")"
  say "Ceph RGW (S3) on http://127.0.0.1:$CLUSTER_RGW_PORT"
}

stop_ceph() {
  [ -f "$CLUSTER_DIR/ceph/ceph.conf" ] || return 0
  ceph_rgw stop >>"$LOGS/ceph.log" 2>&1
  say "ceph stopped"
}

# The environment of an instance: the store, the shared lock, and upload URLs that point at nginx.
app_env() {
  local n=$1
  local env=(
    NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOST=127.0.0.1 "PORT=${APP_PORTS[n - 1]}"
    "REDIS_URL=redis://127.0.0.1:$CLUSTER_REDIS_PORT"
    "UPLOAD_EVENT_LOG=$LOGS/app$n-events.jsonl"
    TRUST_PROXY=true
  )
  [ -z "${CLUSTER_PUBLIC_URL:-}" ] || env+=("PUBLIC_URL=$CLUSTER_PUBLIC_URL")
  env+=(UPLOAD_STORE=s3 S3_REGION=us-east-1 S3_FORCE_PATH_STYLE=true $(ceph_rgw env))
  printf '%s\n' "${env[@]}"
}

# Starts an instance without waiting for it.
launch_app() {
  local n=$1 part="app$1" log="$LOGS/app$1.log" env
  mapfile -t env < <(app_env "$n")
  (cd "$ROOT" && exec setsid env "${env[@]}" node --import tsx serve.ts </dev/null >>"$log" 2>&1) &
  echo $! >"$RUN/$part.pid"
}

# Waits until an instance printed its ready line after byte `from` of its log.
wait_app() {
  local n=$1 from=$2 part="app$1" log="$LOGS/app$1.log"
  local deadline=$((SECONDS + APP_START_SECONDS))
  until tail -c "+$from" "$log" | grep -qF "$APP_READY_LINE"; do
    live_pid "$part" >/dev/null || die "$part exited before it was ready; $log says: $(tail -c "+$from" "$log" | tail -n 15)"
    [ $SECONDS -lt $deadline ] || die "$part not ready within $APP_START_SECONDS s (see $log)"
    sleep 0.2
  done
  say "$part on http://127.0.0.1:${APP_PORTS[n - 1]} (pid $(live_pid "$part"), events in $LOGS/$part-events.jsonl)"
}

# Starts the instances that are not running, side by side, and waits for them all.
start_apps() {
  local n from waits=()
  [ -f "$ROOT/.next/BUILD_ID" ] || die "no production build in $ROOT/.next: run \`npm run build\` first"
  for n in "$@"; do
    [ -n "${APP_PORTS[n - 1]:-}" ] || die "no port for app$n in CLUSTER_APP_PORTS ($CLUSTER_APP_PORTS)"
    live_pid "app$n" >/dev/null && continue
    # Only what this start prints counts: the log keeps earlier runs.
    touch "$LOGS/app$n.log"
    from=$(($(stat -c %s "$LOGS/app$n.log") + 1))
    launch_app "$n"
    waits+=("$n:$from")
  done
  for n in "${waits[@]}"; do wait_app "${n%%:*}" "${n#*:}"; done
}

start_part() {
  case "$1" in
    redis) start_redis ;;
    ceph) start_ceph ;;
    app[0-9]*) start_apps "${1#app}" ;;
    lb) lb start || die "nginx did not start; see $CLUSTER_DIR/nginx/error.log" ;;
    *) die "unknown part \"$1\" (redis, ceph, app1…app${#APP_PORTS[@]}, lb)" ;;
  esac
}

stop_part() {
  case "$1" in
    redis | app[0-9]*) stop_group "$1" ;;
    ceph) stop_ceph ;;
    lb) lb stop ;;
    *) die "unknown part \"$1\" (redis, ceph, app1…app${#APP_PORTS[@]}, lb)" ;;
  esac
}

apps() {
  local n
  for n in $(seq 1 ${#APP_PORTS[@]}); do echo "app$n"; done
}

up() {
  local began=$SECONDS part
  [ -f "$ROOT/.next/BUILD_ID" ] || die "no production build in $ROOT/.next: run \`npm run build\` first"
  # The instances need Redis and the storage when they start.
  start_redis
  start_ceph
  start_apps $(seq 1 ${#APP_PORTS[@]})
  start_part lb
  say "up in $((SECONDS - began)) s: open http://127.0.0.1:$CLUSTER_LB_PORT (logs in $LOGS)"
}

down() {
  local part
  stop_part lb
  for part in $(apps); do stop_part "$part"; done
  stop_part ceph
  stop_part redis
}

status() {
  local down=0 part pid
  for part in redis $(apps); do
    if pid=$(live_pid "$part"); then say "$part running (pid $pid)"; else
      say "$part stopped"
      down=1
    fi
  done
  if CEPH_WAIT_SECONDS=2 ceph_rgw wait >/dev/null 2>&1 </dev/null; then say "ceph S3 answering on http://127.0.0.1:$CLUSTER_RGW_PORT"; else
    say "ceph S3 not answering on http://127.0.0.1:$CLUSTER_RGW_PORT"
    down=1
  fi
  if pid=$(cat "$CLUSTER_DIR/nginx/nginx.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
    say "lb running (pid $pid): http://127.0.0.1:$CLUSTER_LB_PORT"
  else
    say "lb stopped"
    down=1
  fi
  return $((down * 3))
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  start) start_part "${2:?start which part?}" ;;
  stop) stop_part "${2:?stop which part?}" ;;
  *)
    echo "usage: $0 up|down|status|start <part>|stop <part>" >&2
    exit 2
    ;;
esac
