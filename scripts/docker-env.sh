#!/usr/bin/env bash
# A private Docker engine and an authenticated registry on 127.0.0.1 for the build-and-push tests.
#
#   scripts/docker-env.sh start    start both, wait until they answer, write the env file
#   scripts/docker-env.sh stop     stop both (by PID) and remove the directory
#   scripts/docker-env.sh status   say what runs; exit 0 only when both answer
#
# Installs nothing: on Debian/Ubuntu the parts are `apt-get install docker.io docker-registry busybox-static
# apache2-utils` (a machine that already has dockerd, e.g. a GitHub runner, needs only the last three).
# dockerd gets its own data root, exec root, pidfile and unix socket under $ECS_SAFE_DEPLOY_DOCKER_DIR, vfs storage
# and no bridge or iptables, so it neither touches nor needs the host's Docker, network or storage setup.
# The registry listens on 127.0.0.1 only, with htpasswd auth and a random password; Docker allows plain HTTP to
# 127.0.0.0/8 registries without configuration.
# The env file ($ECS_SAFE_DEPLOY_DOCKER_DIR/env) holds DOCKER_HOST, REGISTRY, REGISTRY_USER, REGISTRY_PASSWORD.
set -euo pipefail

dir=${ECS_SAFE_DEPLOY_DOCKER_DIR:-/tmp/ecs-safe-deploy-docker}
env_file=$dir/env
socket=$dir/docker.sock
registry_user=ci

say() { echo "docker-env: $*" >&2; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

docker_answers() { docker -H "unix://$socket" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# 401 is an answer: the registry is up and asks for credentials.
registry_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/" 2>/dev/null) || return 1
  [ "$code" = 401 ] || [ "$code" = 200 ]
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_tools() {
  local missing=() cmd pkg
  for pair in dockerd:docker.io docker:docker.io docker-registry:docker-registry htpasswd:apache2-utils curl:curl; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd (apt package $pkg)")
  done
  [ -x /bin/busybox ] || missing+=("/bin/busybox (apt package busybox-static)")
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]}"
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    say "dockerd must run as root (run this script with sudo)"
    return 1
  fi
}

wait_for() {
  local what=$1 seconds=$2 check=$3
  shift 3
  for _ in $(seq 1 $((seconds * 5))); do
    "$check" "$@" && return 0
    sleep 0.2
  done
  say "$what did not answer within ${seconds}s"
  return 1
}

start() {
  if [ -f "$env_file" ] && status >/dev/null 2>&1; then
    say "already running ($env_file)"
    return 0
  fi
  check_tools
  [ -d "$dir" ] && stop_processes
  rm -rf "$dir"
  mkdir -p "$dir"/{data,exec,registry/data}
  chmod 700 "$dir"
  local began=$SECONDS

  # An empty daemon config, so /etc/docker/daemon.json on the host changes nothing here.
  echo '{}' >"$dir/daemon.json"
  # setsid: dockerd and its containerd outlive this script and are not hit by the caller's Ctrl-C.
  # Where a system containerd runs (a GitHub runner), dockerd uses it: own namespaces keep the host's Docker apart.
  setsid dockerd \
    --config-file "$dir/daemon.json" \
    --host "unix://$socket" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" \
    --storage-driver vfs \
    --iptables=false --ip6tables=false --bridge=none \
    --containerd-namespace ecs-safe-deploy --containerd-plugins-namespace ecs-safe-deploy-plugins \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  # dockerd writes its pidfile itself; this one covers the time before it does.
  echo $! >"$dir/dockerd.launch.pid"

  local port=${REGISTRY_PORT:-5055}
  while port_taken "$port"; do port=$((port + 1)); done
  local password
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  htpasswd -Bbn "$registry_user" "$password" >"$dir/registry/htpasswd" 2>/dev/null
  cat >"$dir/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd:
    realm: ecs-safe-deploy
    path: $dir/registry/htpasswd
EOF
  setsid docker-registry serve "$dir/registry/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"

  if ! wait_for registry 30 registry_answers "127.0.0.1:$port"; then
    tail -20 "$dir/registry.log" >&2
    stop_processes
    return 1
  fi
  if ! wait_for dockerd 60 docker_answers; then
    tail -30 "$dir/dockerd.log" >&2
    stop_processes
    return 1
  fi
  # Under sudo, the caller (not root) runs the tests and must reach the socket.
  if [ -n "${SUDO_UID:-}" ]; then chown "$SUDO_UID" "$socket" "$dir"; fi

  umask 077
  cat >"$env_file.tmp" <<EOF
DOCKER_HOST=unix://$socket
REGISTRY=127.0.0.1:$port
REGISTRY_USER=$registry_user
REGISTRY_PASSWORD=$password
EOF
  [ -n "${SUDO_UID:-}" ] && chown "$SUDO_UID" "$env_file.tmp"
  mv "$env_file.tmp" "$env_file"
  say "up in $((SECONDS - began))s: dockerd $(docker -H "unix://$socket" version --format '{{.Server.Version}}'), registry 127.0.0.1:$port; env file $env_file"
}

# Sends TERM to the PID in $2, waits up to $3 seconds, then KILL.
stop_pid() {
  local name=$1 file=$2 seconds=$3 pid
  pid_alive "$file" || return 0
  pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((seconds * 5))); do
    kill -0 "$pid" 2>/dev/null || { say "stopped $name ($pid)"; return 0; }
    sleep 0.2
  done
  say "$name ($pid) did not stop in ${seconds}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_processes() {
  stop_pid registry "$dir/registry.pid" 10
  # dockerd stops its containers and the containerd it started.
  if [ -f "$dir/dockerd.pid" ]; then
    stop_pid dockerd "$dir/dockerd.pid" 30
  else
    stop_pid dockerd "$dir/dockerd.launch.pid" 30
  fi
  # Mounts a container or build may have left (netns, shm), deepest first.
  if [ -r /proc/self/mounts ]; then
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
  fi
}

stop() {
  if [ ! -d "$dir" ]; then
    say "not running"
    return 0
  fi
  stop_processes
  rm -rf "$dir"
}

status() {
  local ok=0 registry
  if pid_alive "$dir/dockerd.pid" && docker_answers; then
    echo "dockerd: running (pid $(cat "$dir/dockerd.pid"), unix://$socket)"
  else
    echo "dockerd: not running"
    ok=1
  fi
  registry=$( [ -f "$env_file" ] && sed -n 's/^REGISTRY=//p' "$env_file" || true)
  if pid_alive "$dir/registry.pid" && [ -n "$registry" ] && registry_answers "$registry"; then
    echo "registry: running (pid $(cat "$dir/registry.pid"), http://$registry)"
  else
    echo "registry: not running"
    ok=1
  fi
  [ -f "$env_file" ] && echo "env file: $env_file"
  return $ok
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
