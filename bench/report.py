#!/usr/bin/env python3
"""Turns bench/out (hyperfine JSON exports, peak memory) into BENCHMARKS.md on stdout."""
import glob
import json
import os
import platform
import re
import subprocess
import sys

out = sys.argv[1]


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
        mem = "%.0f GiB RAM" % (kb / 1048576)
    except (OSError, AttributeError):
        pass
    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return "%s, %d cores, %s, %s; %s, %s, node %s" % (cpu, os.cpu_count(), mem, platform.platform(),
                                                     ver(["jq", "--version"]), ver(["hyperfine", "--version"]), ver(["node", "--version"]))


def size_of(path):
    return float(re.search(r"patch-([\d.]+)MB", path).group(1))


memory = {}
if os.path.exists(os.path.join(out, "memory.tsv")):
    for line in open(os.path.join(out, "memory.tsv")):
        mb, name, kb = line.strip().split("\t")
        memory[(float(mb), name)] = int(kb) if kb.isdigit() else None

print("# Benchmarks\n")
print("Made by `bench/run` (reproduce with that command on a fresh machine). Machine: %s.\n" % machine())
print("Every figure is the median of the runs with its spread (min to max), measured side by side in")
print("one run on the same generated input (`bench/generate.py`: tab-indented app-style exports, folders")
print("5 deep, mixed auth, scripts, bodies, `\\u` escapes). Ratios are other / postman-cognito.\n")
print("## Patching (token in hand, no network), whole process\n")
rows = []
for path in sorted(glob.glob(os.path.join(out, "patch-*MB.json")), key=size_of):
    mb = size_of(path)
    results = json.load(open(path))["results"]
    ours = next(r for r in results if r["command"] == "postman-cognito")
    inp = os.path.join(out, "input-%sMB.json" % (("%g" % mb)))
    real = os.path.getsize(inp) if os.path.exists(inp) else None
    print("### %s MB input%s\n" % ("%g" % mb, " (%d bytes)" % real if real else ""))
    print("| command | median | spread | ratio | peak memory |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        name = r["command"]
        med = r["median"]
        spread = "%.1f to %.1f ms" % (min(r["times"]) * 1000, max(r["times"]) * 1000)
        key = {"postman-cognito": "postman-cognito", "jq": "jq", "node postman-collection": "node"}.get(name)
        mem = memory.get((mb, key)) if key else None
        memtext = "%.1f MiB (%.2fx the file)" % (mem / 1024, mem * 1024 / real) if mem and real else ""
        print("| %s | %.1f ms | %s | %.2fx | %s |" % (name, med * 1000, spread, med / ours["median"], memtext))
    rows.append((mb, ours["median"]))
    print()
if len(rows) >= 2:
    print("## Scaling\n")
    print("| input | postman-cognito median | ms per MB |")
    print("| --- | --- | --- |")
    for mb, med in rows:
        print("| %g MB | %.1f ms | %.2f |" % (mb, med * 1000, med * 1000 / mb))
    print()
print("## Not measured yet\n")
print("Getting a token (postman-cognito vs `aws cognito-idp initiate-auth` and pycognito against moto),")
print("the warm repeat run, and criterion micro-benchmarks are still to be added to `bench/run`.")
