#!/usr/bin/env bash
# The action's run step: postman-cognito INPUT_COMMAND INPUT_ARGS, the sign-in settings and
# secrets in the environment (mapped from the inputs; blank ones count as unset), never on a
# command line and never echoed. The token is masked in the job's log before anything can
# print it: exec does so itself; for refresh and token it is fetched once (then cached), masked,
# and its expiry written to $GITHUB_OUTPUT. Sign-in settings for refresh and token come from the
# inputs and the profile (args are refresh's own: collections and collection options).
set -euo pipefail
# args is split as a shell splits words (quotes, backslashes, line breaks), with nothing
# expanded; what cannot be split that way is refused (action/args.js).
split=$(mktemp)
node "$(dirname "$0")/args.js" >"$split" || { rm -f "$split"; exit 2; }
args=()
mapfile -d '' args <"$split"
rm -f "$split"
cmd=${INPUT_COMMAND:?command}
case "$cmd" in
  exec|check|scrub)
    exec postman-cognito "$cmd" "${args[@]}"
    ;;
  refresh|token)
    # Sign-in settings come from the inputs (the environment) and the profile, the same for
    # both calls: the second one is answered from the token cache.
    token=$(postman-cognito token)
    echo "::add-mask::$token"
    unset token
    expires=$(postman-cognito token --json | sed -n 's/.*"expires_at": *"\([^"]*\)".*/\1/p' | head -n 1)
    echo "token-expires-at=$expires" >>"$GITHUB_OUTPUT"
    if [ "$cmd" = refresh ]; then
      exec postman-cognito refresh "${args[@]}"
    fi
    ;;
  *)
    echo "postman-cognito: the action's command must be exec, refresh, token, check, scrub or none, not '$cmd'" >&2
    exit 2
    ;;
esac
