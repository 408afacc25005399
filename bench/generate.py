#!/usr/bin/env python3
"""Synthetic Postman collections that look like real app exports, for the benchmarks.

Usage: generate.py OUT.json TARGET_BYTES [SEED]

Tab indentation and no final newline (as the app writes), folders nested up to 5 deep, a mix of
inherit / bearer / oauth2 / noauth / basic auth at every level, pre-request and test scripts,
JSON bodies, query params, and \\u escapes. The 100 MB size holds well over 100,000 requests.
"""
import json
import random
import sys

AUTHS = ["inherit", "inherit", "bearer", "oauth2", "noauth", "basic"]


def auth(kind, rnd):
    if kind == "bearer":
        return {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]}
    if kind == "oauth2":
        return {"type": "oauth2", "oauth2": [{"key": "accessToken", "value": "stale-%d" % rnd.randint(0, 10**6), "type": "string"},
                                             {"key": "addTokenTo", "value": "header", "type": "string"}]}
    if kind == "noauth":
        return {"type": "noauth"}
    if kind == "basic":
        return {"type": "basic", "basic": [{"key": "password", "value": "pw", "type": "string"},
                                           {"key": "username", "value": "user", "type": "string"}]}
    return None


def request(i, rnd):
    kind = rnd.choice(AUTHS)
    req = {}
    a = auth(kind, rnd)
    if a is not None:
        req["auth"] = a
    method = rnd.choice(["GET", "POST", "PUT", "DELETE"])
    req["method"] = method
    req["header"] = [{"key": "Content-Type", "value": "application/json", "type": "text"}] if method in ("POST", "PUT") else []
    if method in ("POST", "PUT"):
        body = {"name": "Caf\u00e9 order %d" % i, "quantity": rnd.randint(1, 99), "price": 12.5}
        req["body"] = {"mode": "raw", "raw": json.dumps(body, indent=2), "options": {"raw": {"language": "json"}}}
    path = ["v1", "orders", str(i)]
    req["url"] = {"raw": "{{baseUrl}}/" + "/".join(path) + "?expand=items", "host": ["{{baseUrl}}"], "path": path,
                  "query": [{"key": "expand", "value": "items"}]}
    item = {"name": "Request %d \u2013 %s" % (i, method)}
    if i % 4 == 0:
        item["event"] = [
            {"listen": "test", "script": {"exec": ["pm.test('status', function () {", "\tpm.response.to.have.status(200);", "});"], "type": "text/javascript"}},
        ]
    item["request"] = req
    item["response"] = []
    return item


def folder(depth, counter, rnd, per_folder):
    items = []
    for _ in range(per_folder):
        counter[0] += 1
        items.append(request(counter[0], rnd))
    if depth < 5:
        items.append(folder(depth + 1, counter, rnd, per_folder))
    f = {"name": "Folder depth %d" % depth, "item": items}
    a = auth(rnd.choice(AUTHS), rnd)
    if a is not None:
        f["auth"] = a
    return f


def main():
    out, target = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    counter = [0]
    top = []
    doc = {"info": {"_postman_id": "b3c1a2e4-0000-4000-8000-00000000be7c", "name": "Benchmark API",
                    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
           "item": top,
           "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
           "variable": [{"key": "baseUrl", "value": "https://api.example.com"}]}
    size = 0
    while size < target:
        chunk = folder(1, counter, rnd, 4)
        top.append(chunk)
        text = json.dumps(chunk, indent="\t", ensure_ascii=True)
        size += len(text) + 2 * text.count("\n") + 4  # two more tabs per line inside "item"

    text = json.dumps(doc, indent="\t", ensure_ascii=True)
    with open(out, "w") as f:
        f.write(text)
    print("%s: %d bytes, %d requests" % (out, len(text), counter[0]))


if __name__ == "__main__":
    main()
