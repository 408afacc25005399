# Sourced by scripts/test and scripts/demo: installs the peers into .tools/ (ignored by git),
# from the npm registry and PyPI by package name, and starts them on free loopback ports.
# Every server started is stopped by PID when the sourcing script exits.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
PIDS=()

stop_peers() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_peers EXIT

# The npm packages locked in folder $1 (package.json + package-lock.json) into folder $2, unless
# $2 already holds that lock, installed (a copy of the lock is kept only after a full install).
# Further arguments go to npm (--ignore-scripts).
npm_install() {
  local src=$1 dest=$2
  shift 2
  if [ -d "$dest/node_modules" ] && cmp -s "$src/package-lock.json" "$dest/installed-lock.json"; then
    return
  fi
  command -v npm >/dev/null || { echo "npm is needed (Node.js 18+)" >&2; return 1; }
  echo "installing the npm packages of ${src#"$ROOT"/} into ${dest#"$ROOT"/} (npm)" >&2
  mkdir -p "$dest"
  rm -f "$dest/installed-lock.json"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  # npm ci refuses a lock that lacks optional packages its registry does not serve (the Postman
  # CLI names binaries for platforms whose packages are not published); npm install from the
  # same lock installs the locked versions all the same.
  (cd "$dest" && { npm ci --no-audit --no-fund --loglevel=silent "$@" >&2 2>/dev/null ||
    npm install --no-audit --no-fund --loglevel=error "$@" >&2; })
  cp "$src/package-lock.json" "$dest/installed-lock.json"
}

# The PyPI packages pinned in requirements file $1 into a venv at $2, unless it already holds them.
pip_install() {
  local want=$1 venv=$2
  if [ -x "$venv/bin/python" ] && cmp -s "$want" "$venv/requirements.txt"; then
    return
  fi
  command -v python3 >/dev/null || { echo "python3 is needed" >&2; return 1; }
  echo "installing the PyPI packages of ${want#"$ROOT"/} into ${venv#"$ROOT"/} (pip)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$want" >&2
  cp "$want" "$venv/requirements.txt"
}

# newman, the Postman CLI, Bruno's CLI and cognito-local into .tools/node; Hoppscotch's CLI and
# the Node.js 22 it needs into .tools/hoppscotch (without install scripts: its isolated-vm
# carries a prebuilt binary for Node 22, which the Node here would try to compile against).
ensure_node_tools() {
  npm_install "$ROOT/tools/node" "$TOOLS/node"
  npm_install "$ROOT/tools/hoppscotch" "$TOOLS/hoppscotch" --ignore-scripts
}

# moto[server] into .tools/venv; ministack and pycognito into .tools/ministack (their own venv:
# ministack pins a botocore that moto's boto3 does not take).
ensure_python_tools() {
  pip_install "$ROOT/tools/python/requirements.txt" "$TOOLS/venv"
  pip_install "$ROOT/tools/ministack/requirements.txt" "$TOOLS/ministack"
}

# Every peer's packages: the three installs side by side (they mostly wait on the registries).
ensure_tools() {
  local pids=() pid failed=0
  ensure_node_tools &
  pids+=($!)
  pip_install "$ROOT/tools/python/requirements.txt" "$TOOLS/venv" &
  pids+=($!)
  pip_install "$ROOT/tools/ministack/requirements.txt" "$TOOLS/ministack" &
  pids+=($!)
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  return "$failed"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until every URL given answers (any HTTP status), for at most 60 s.
wait_for() {
  python3 - "$@" <<'PY'
import sys, time, urllib.request, urllib.error
waiting = list(sys.argv[1:])
deadline = time.time() + 60
while waiting and time.time() < deadline:
    for url in list(waiting):
        try:
            urllib.request.urlopen(url, timeout=2)
            waiting.remove(url)
        except urllib.error.HTTPError:
            waiting.remove(url)
        except Exception:
            pass
    if waiting:
        time.sleep(0.2)
if waiting:
    sys.exit("timed out waiting for " + ", ".join(waiting))
PY
}

# Starts moto on a free loopback port (TOTP codes checked) and waits for it; sets MOTO_URL.
start_moto() {
  launch_moto
  wait_for "$MOTO_URL/moto-api/" || { cat "$MOTO_LOG" >&2; return 1; }
}

launch_moto() {
  local port log="$TOOLS/moto.log"
  port=$(free_port)
  MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true "$TOOLS/venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  PIDS+=($!)
  export MOTO_URL="http://127.0.0.1:$port" MOTO_LOG="$log"
}

# Starts cognito-local on a free loopback port in a fresh data folder; sets COGNITO_LOCAL_URL.
launch_cognito_local() {
  local port dir
  port=$(free_port)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cognito-local.XXXXXX")
  mkdir -p "$dir/.cognito"
  echo '{"UserPoolDefaults": {"UsernameAttributes": []}}' >"$dir/.cognito/config.json"
  (cd "$dir" && exec env HOST=127.0.0.1 PORT="$port" node "$TOOLS/node/node_modules/cognito-local/lib/bin/start.js" >"$dir/log" 2>&1) &
  PIDS+=($!)
  export COGNITO_LOCAL_URL="http://127.0.0.1:$port" COGNITO_LOCAL_LOG="$dir/log"
}

# Starts ministack on a free loopback port, its IoT TLS listener off (it would bind 0.0.0.0:8883);
# sets MINISTACK_URL.
launch_ministack() {
  local port dir
  port=$(free_port)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/ministack.XXXXXX")
  BIND_HOST=127.0.0.1 GATEWAY_PORT="$port" IOT_MTLS_ENABLED=0 LOG_LEVEL=WARNING TMPDIR="$dir" \
    "$TOOLS/ministack/bin/ministack" >"$dir/log" 2>&1 &
  PIDS+=($!)
  export MINISTACK_URL="http://127.0.0.1:$port" MINISTACK_LOG="$dir/log"
}

# Starts moto, cognito-local and ministack side by side, and waits until all three answer.
start_peers() {
  launch_moto
  launch_cognito_local
  launch_ministack
  wait_for "$MOTO_URL/moto-api/" "$COGNITO_LOCAL_URL/health" "$MINISTACK_URL/_ministack/health" || {
    tail -n 20 "$MOTO_LOG" "$COGNITO_LOCAL_LOG" "$MINISTACK_LOG" >&2
    return 1
  }
}
