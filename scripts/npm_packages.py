#!/usr/bin/env python3
"""Builds the npm packages from release binaries: one package per platform
(@postman-cognito/<os>-<cpu>, holding bin/postman-cognito for its `os` and `cpu`) and the main
package `postman-cognito` (the launcher in npm/postman-cognito, with the platform packages as
optionalDependencies, as esbuild and Biome do: nothing is downloaded at install time).

    scripts/npm_packages.py --version 0.2.0 --binaries DIR --out DIR [--pack]

DIR holds the binaries named postman-cognito-<rust target>[.exe], as the release workflow
makes them. With --pack, `npm pack` writes a tarball of each package into --out.
"""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Rust target -> (npm platform key, os, cpu). musl builds win over gnu ones for Linux: static,
# they run on any distribution.
TARGETS = [
    ("x86_64-unknown-linux-musl", "linux-x64", "linux", "x64"),
    ("x86_64-unknown-linux-gnu", "linux-x64", "linux", "x64"),
    ("aarch64-unknown-linux-musl", "linux-arm64", "linux", "arm64"),
    ("aarch64-unknown-linux-gnu", "linux-arm64", "linux", "arm64"),
    ("x86_64-apple-darwin", "darwin-x64", "darwin", "x64"),
    ("aarch64-apple-darwin", "darwin-arm64", "darwin", "arm64"),
    ("x86_64-pc-windows-msvc", "win32-x64", "win32", "x64"),
]

COMMON = {
    "description": "Put a fresh Amazon Cognito token into Postman collections, for Newman and the Postman CLI",
    "license": "MIT OR Apache-2.0",
    "repository": {"type": "git", "url": "git+https://github.com/postman-cognito/postman-cognito.git"},
}


LICENSES = ["LICENSE-MIT", "LICENSE-APACHE"]


def copy_licenses(folder):
    """The license files the manifests name, in every package (npm always packs LICENSE*)."""
    for name in LICENSES:
        shutil.copyfile(os.path.join(ROOT, name), os.path.join(folder, name))


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--binaries", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pack", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    stage = os.path.join(args.out, "packages")
    shutil.rmtree(stage, ignore_errors=True)
    done = {}
    for target, key, os_name, cpu in TARGETS:
        if key in done:
            continue
        exe = "postman-cognito.exe" if os_name == "win32" else "postman-cognito"
        src = os.path.join(args.binaries, f"postman-cognito-{target}" + (".exe" if os_name == "win32" else ""))
        if not os.path.isfile(src):
            continue
        name = f"@postman-cognito/{key}"
        folder = os.path.join(stage, key)
        os.makedirs(os.path.join(folder, "bin"))
        dst = os.path.join(folder, "bin", exe)
        shutil.copyfile(src, dst)
        os.chmod(dst, os.stat(dst).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        write_json(os.path.join(folder, "package.json"), {
            "name": name,
            "version": args.version,
            **COMMON,
            "description": f"The postman-cognito binary for {key} ({target})",
            "os": [os_name],
            "cpu": [cpu],
            "files": ["bin/", *LICENSES],
            "preferUnplugged": True,
        })
        copy_licenses(folder)
        done[key] = name
    if not done:
        sys.exit(f"no binaries named postman-cognito-<target> in {args.binaries}")
    main_folder = os.path.join(stage, "postman-cognito")
    shutil.copytree(os.path.join(ROOT, "npm", "postman-cognito"), main_folder)
    copy_licenses(main_folder)
    write_json(os.path.join(main_folder, "package.json"), {
        "name": "postman-cognito",
        "version": args.version,
        **COMMON,
        "bin": {"postman-cognito": "bin/postman-cognito.js"},
        "files": ["bin/", *LICENSES],
        "engines": {"node": ">=18"},
        # Every platform's package, whether or not this build had its binary: npm installs only
        # the one whose os and cpu match.
        "optionalDependencies": {f"@postman-cognito/{k}": args.version for _, k, _, _ in TARGETS},
    })
    if args.pack:
        for folder in [os.path.join(stage, k) for k in done] + [main_folder]:
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", os.path.abspath(args.out)],
                           cwd=folder, check=True, stdout=subprocess.DEVNULL)
    print(json.dumps({"platforms": sorted(done), "out": args.out}))


if __name__ == "__main__":
    main()
