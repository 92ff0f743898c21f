# shellcheck shell=bash
# Shared by scripts/demo and bench/resolve: start Debian's docker-registry on a free
# loopback port with a config of our own, and stop it on exit.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_registry DIR -> sets REGISTRY_PID and REGISTRY (host:port)
start_registry() {
  local dir=$1 port
  port=$(free_port)
  mkdir -p "$dir/storage"
  cat > "$dir/registry.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
  secret: local-only
YAML
  docker-registry serve "$dir/registry.yml" > "$dir/registry.log" 2>&1 &
  REGISTRY_PID=$!
  REGISTRY="127.0.0.1:$port"
  for _ in $(seq 1 200); do
    if curl -fs "http://$REGISTRY/v2/" >/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "registry did not start; its log:" >&2
  cat "$dir/registry.log" >&2
  return 1
}

stop_registry() {
  if [ -n "${REGISTRY_PID:-}" ]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; fi
}
