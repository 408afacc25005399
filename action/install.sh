#!/usr/bin/env bash
# The action's install step: postman-cognito from npm (the platform's prebuilt binary comes as
# an optional dependency; nothing is compiled), into the runner's tool folder, put on PATH for
# the next steps through $GITHUB_PATH.
set -euo pipefail
version=${INPUT_VERSION:-latest}
case "$version" in
  *.tgz*) spec=$version; label=local ;;       # local package tarballs (tests, forks)
  *) spec="postman-cognito@$version"; label=$version ;;
esac
dir="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}/postman-cognito/$label"
mkdir -p "$dir"
# shellcheck disable=SC2086 # several tarballs are several words
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error $spec >&2
bin="$dir/node_modules/.bin"
"$bin/postman-cognito" --version
echo "$bin" >>"$GITHUB_PATH"
