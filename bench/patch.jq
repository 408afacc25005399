# The same edit as `postman-cognito refresh` (default policy), written as a jq program:
# root auth becomes OAuth 2.0 with the token, folders and requests holding bearer/oauth2
# copies inherit. Run: jq --tab --arg t "$TOKEN" -f bench/patch.jq in.json > out.json
def stale: (type == "object") and (.type == "bearer" or .type == "oauth2");
def strip:
  if type == "object" then
    (if (.auth | stale) then del(.auth) else . end)
    | (if (.request | type) == "object" and (.request.auth | stale) then .request |= del(.auth) else . end)
    | (if has("item") then .item |= map(strip) else . end)
  else . end;
.auth = {type: "oauth2", oauth2: [
  {key: "accessToken", value: $t, type: "string"},
  {key: "tokenType", value: "Bearer", type: "string"},
  {key: "addTokenTo", value: "header", type: "string"}]}
| .item |= map(strip)
