"""An API that checks SigV4 signatures as an IAM-authorised API Gateway would, recomputing each
with botocore's signer from the credentials that the identity pool issued (argv: the file to
write the port into, the log file, access key id, secret key, session token, region, service).
Each request is answered 200 when its signature, credential scope and session token are right,
else 403; one JSON line per request goes to the log."""
import http.server
import json
import re
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

port_file, log_file, key, secret, token, region, service = sys.argv[1:8]
creds = Credentials(key, secret, token)


def verdict(handler, body):
    auth = handler.headers.get("Authorization", "")
    m = re.match(
        r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
        r"SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$",
        auth,
    )
    if not m:
        return "no SigV4 Authorization header"
    akid, _date, reg, svc, signed, signature = m.groups()
    if akid != key:
        return "another access key id"
    if (reg, svc) != (region, service):
        return "credential scope %s/%s" % (reg, svc)
    if handler.headers.get("X-Amz-Security-Token") != token:
        return "no or another session token"
    stamp = handler.headers.get("X-Amz-Date")
    if not stamp:
        return "no X-Amz-Date"
    names = signed.split(";")
    if "x-amz-security-token" not in names and "X-Amz-Security-Token" not in handler.headers:
        return "the session token is not signed"
    headers = {n: handler.headers.get(n, "") for n in names}
    url = "http://%s%s" % (handler.headers.get("Host"), handler.path)
    request = AWSRequest(method=handler.command, url=url, headers=headers, data=body)
    request.context["timestamp"] = stamp
    signer = SigV4Auth(creds, service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return None if expected == signature else "the signature does not match"


class Handler(http.server.BaseHTTPRequestHandler):
    def handle_one(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        why = verdict(self, body)
        with open(log_file, "a") as f:
            f.write(json.dumps({"path": self.path, "ok": why is None, "why": why}) + "\n")
        self.send_response(200 if why is None else 403)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = do_DELETE = handle_one

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os

os.rename(port_file + ".tmp", port_file)
server.serve_forever()
