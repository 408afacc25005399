"""The demo's API: a stand-in for API Gateway with a Cognito authorizer, on a loopback port.

Every path but /health needs an id token in Authorization (raw or "Bearer ..."), verified with
RS256 against the pool's JWKS, for the given audience and issuer. Uses joserfc, which moto
installs. Usage: demo_api.py PORT JWKS_URL AUDIENCE ISSUER
"""
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwt
from joserfc.jwk import KeySet

port, jwks_url, audience, issuer = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
keys = KeySet.import_key_set(json.load(urllib.request.urlopen(jwks_url)))
claims_rules = jwt.JWTClaimsRegistry(
    iss={"essential": True, "value": issuer},
    aud={"essential": True, "value": audience},
    token_use={"essential": True, "value": "id"},
)


class Handler(BaseHTTPRequestHandler):
    def answer(self):
        if self.path.rstrip("/").endswith("/health"):
            return self.reply(200, "public")
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else header
        try:
            decoded = jwt.decode(token, keys, algorithms=["RS256"])
            claims_rules.validate(decoded.claims)
        except Exception as e:  # any failure is a 401, as an authorizer would answer
            return self.reply(401, f"token refused: {type(e).__name__}")
        self.reply(200, f"ok for {decoded.claims.get('cognito:username')}")

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def reply(self, status, what):
        body = json.dumps({"status": status, "detail": what}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print(f"  api: {self.command} {self.path} -> {status} ({what})", flush=True)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
