# Sourced by scripts/test and scripts/demo: installs the peers the tests and the demo run
# against into .tools/ (ignored by git), from the npm registry and PyPI, by package name.

# The repo root.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"

# newman (and later cognito-local) into .tools/node, from tools/node/package-lock.json.
ensure_node_tools() {
  local want="$ROOT/tools/node/package-lock.json" have="$TOOLS/node/package-lock.json"
  if [ -x "$TOOLS/node/node_modules/.bin/newman" ] && cmp -s "$want" "$have"; then
    return
  fi
  command -v npm >/dev/null || { echo "npm is needed to install newman (Node.js 18+)" >&2; return 1; }
  echo "installing test tools into .tools/node (npm ci)" >&2
  mkdir -p "$TOOLS/node"
  cp "$ROOT/tools/node/package.json" "$want" "$TOOLS/node/"
  (cd "$TOOLS/node" && npm ci --no-audit --no-fund --loglevel=error >&2)
}
