#!/usr/bin/env python3
"""A loopback proxy in front of moto that appends each request's X-Amz-Target (or path) to a
log, so bench/run can count the requests each tool makes for one token.

Usage: count_proxy.py PORT UPSTREAM_URL LOG
"""
import http.server
import sys
import urllib.error
import urllib.request

port, upstream, log = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]


class Proxy(http.server.BaseHTTPRequestHandler):
    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(log, "a") as f:
            f.write((self.headers.get("X-Amz-Target") or self.path) + "\n")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        req = urllib.request.Request(upstream + self.path, body or None, headers, method=self.command)
        try:
            resp = urllib.request.urlopen(req)
            status, data, rh = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            status, data, rh = e.code, e.read(), e.headers
        self.send_response(status)
        for k, v in rh.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET = forward

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
