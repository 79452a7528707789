#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, starting them with this
# machine's own commands when they are installed but stopped. Under CI=true a service that still
# does not answer fails the run; elsewhere its tests are skipped, loudly.
set -u

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  for _ in $(seq 1 30); do up "$1" && return 0; sleep 1; done
  return 1
}

start_postgres() {
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || return 1
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

status=0
for service in postgres:5432 redis:6379; do
  name=${service%%:*}
  port=${service##*:}
  if ! up "$port"; then
    echo "== $name is not answering on 127.0.0.1:$port; starting it"
    "start_$name" || true
    if ! wait_for "$port"; then
      if [ "${CI:-}" = "true" ]; then
        echo "!! $name did not come up on 127.0.0.1:$port and CI=true: failing" >&2
        status=1
      else
        echo "!!!!! $name is not reachable: its tests will be SKIPPED !!!!!" >&2
      fi
    fi
  fi
done
exit $status
