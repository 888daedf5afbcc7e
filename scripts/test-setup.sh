#!/usr/bin/env bash
# Everything `make test` needs besides Python packages, on a fresh Debian machine:
# Chromium for the browser tests, Java for the HTML checker (vnu), GNU gettext for
# the translation check, SpamAssassin for the mails, a running PostgreSQL, and Redis (the tests run with the
# production cache; some start Redis servers of their own). Installs what is missing with
# apt-get (as root, or with sudo that needs no password), never asks anything
# (CI=true, no terminal), and says plainly what to do when it lacks the rights.
#
#   SOMEHUB_CHROMIUM   where the tests look for Chromium (default /usr/bin/chromium);
#                      when it is missing there, Debian's chromium is installed and
#                      linked to that path.
#   DATABASE_URL       the PostgreSQL server to wait for (default 127.0.0.1:5432).
set -euo pipefail

chromium="${SOMEHUB_CHROMIUM:-/usr/bin/chromium}"
export DEBIAN_FRONTEND=noninteractive

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 99
  fi
}

missing=()
[ -x "$chromium" ] || missing+=(chromium)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v xgettext >/dev/null || missing+=(gettext)
command -v redis-server >/dev/null || missing+=(redis-server)
# Every kind of mail is scored by SpamAssassin (local rules only, no network).
command -v spamassassin >/dev/null || missing+=(spamassassin)

# Another apt-get (an unattended upgrade, a second checkout's set-up) may hold the
# lock for a while: wait for it rather than fail.
apt_wait=(-o DPkg::Lock::Timeout=600)
install() {
  as_root apt-get "${apt_wait[@]}" update -qq </dev/null \
    && as_root apt-get "${apt_wait[@]}" install -y -qq "$@" </dev/null >/dev/null
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "test set-up: installing ${missing[*]} from Debian"
  status=0
  install "${missing[@]}" || status=$?
  if [ "$status" != 0 ]; then
    if [ "$status" = 99 ]; then
      echo "test set-up: these packages are missing: ${missing[*]}" >&2
      echo "  and installing them needs root. Run once:" >&2
      echo "    sudo apt-get install -y ${missing[*]}" >&2
      echo "  then 'make test' again." >&2
    else
      echo "test set-up: apt-get failed (exit $status) installing ${missing[*]}" >&2
    fi
    exit 1
  fi
fi

if [ ! -x "$chromium" ]; then
  # Debian's package puts it in /usr/bin; the tests look where SOMEHUB_CHROMIUM says.
  echo "test set-up: Chromium for the tests at $chromium -> /usr/bin/chromium"
  mkdir -p "$(dirname "$chromium")"
  ln -sf /usr/bin/chromium "$chromium"
fi

# PostgreSQL: start the machine's cluster when nothing answers on the test port.
if ! command -v pg_isready >/dev/null; then
  echo "test set-up: PostgreSQL is not installed. The tests need a server that lets" >&2
  echo "  user postgres in without a password on 127.0.0.1:5432, or DATABASE_URL." >&2
  exit 1
fi
url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/somehub}"
host_port="${url#*://}"; host_port="${host_port#*@}"; host_port="${host_port%%/*}"
host="${host_port%%:*}"; port="${host_port##*:}"; [ "$port" = "$host_port" ] && port=5432
if ! pg_isready -q -h "$host" -p "$port"; then
  if [ "$host" != 127.0.0.1 ] && [ "$host" != localhost ]; then
    echo "test set-up: PostgreSQL at $host:$port does not answer" >&2
    exit 1
  fi
  echo "test set-up: starting PostgreSQL"
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
  if [ -z "$version" ] || ! as_root pg_ctlcluster --skip-systemctl-redirect \
       "$version" main start </dev/null; then
    echo "test set-up: could not start PostgreSQL (needs root: " \
      "'sudo pg_ctlcluster $version main start')" >&2
    exit 1
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 1; done
  pg_isready -q -h "$host" -p "$port" || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
# Redis on 127.0.0.1:6379 (tests/settings.py), started when nothing answers there;
# it keeps nothing on disk.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "test set-up: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" \
    --appendonly no --dir /tmp --logfile /tmp/somehub-test-redis.log >/dev/null
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
fi
echo "test set-up: Chromium, Java, gettext, PostgreSQL and Redis are ready"
