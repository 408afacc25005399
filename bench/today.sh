#!/bin/sh
# The script teams write today (the baseline of bench/run's warm runs): sign in with the AWS CLI
# on every run, take the id token with jq, and patch each collection with jq.
# Usage: today.sh ENDPOINT CLIENT_ID USERNAME FILE... (password in COGNITO_PASSWORD)
set -eu
endpoint=$1 client=$2 user=$3
shift 3
token=$(.tools/bench-venv/bin/aws cognito-idp initiate-auth --endpoint-url "$endpoint" \
  --auth-flow USER_PASSWORD_AUTH --client-id "$client" \
  --auth-parameters "USERNAME=$user,PASSWORD=$COGNITO_PASSWORD" \
  --query AuthenticationResult.IdToken --output text)
for f in "$@"; do
  jq --tab --arg t "$token" -f bench/patch.jq "$f" > "$f.tmp"
  mv "$f.tmp" "$f"
done
