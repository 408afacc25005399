#!/usr/bin/env node
// The postman-cognito launcher: finds the binary of this platform, installed by npm as one of
// the optionalDependencies (@postman-cognito/<os>-<cpu>, nothing downloaded at install time),
// and runs it with the same arguments and streams. Every signal the launcher gets is passed to
// the binary, and the launcher ends as the binary ends (its exit code, or the same signal). The
// binary is taken only from this package's own dependency, of this package's own version:
// never from a node_modules further up, where anyone who can write there could put another.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const PLATFORMS = {
  "linux-x64": "@postman-cognito/linux-x64",
  "linux-arm64": "@postman-cognito/linux-arm64",
  "darwin-x64": "@postman-cognito/darwin-x64",
  "darwin-arm64": "@postman-cognito/darwin-arm64",
  "win32-x64": "@postman-cognito/win32-x64",
};

// The signals passed on (SIGKILL and SIGSTOP cannot be caught; SIGUSR1 is Node's debugger's).
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2", "SIGBREAK"];

function fail(message) {
  process.stderr.write(`postman-cognito: error: ${message}\n`);
  process.exit(1);
}

function ownVersion(home) {
  try {
    return JSON.parse(fs.readFileSync(path.join(home, "package.json"), "utf8")).version;
  } catch (e) {
    return undefined;
  }
}

function binaryPath() {
  const key = `${process.platform}-${process.arch}`;
  const pkg = PLATFORMS[key];
  if (!pkg) {
    fail(
      `there is no prebuilt postman-cognito for this platform (${key}).\n` +
        `Prebuilt: ${Object.keys(PLATFORMS).join(", ")}.\n` +
        "Other ways to install: the release archives on the project's releases page, or\n" +
        "  cargo install --locked postman-cognito   (needs a Rust toolchain)"
    );
  }
  const exe = process.platform === "win32" ? "postman-cognito.exe" : "postman-cognito";
  // This package's folder, and the two places npm, yarn and pnpm put its dependency: nested
  // under it, or beside it in the node_modules folder it is installed in.
  const home = fs.realpathSync(path.join(__dirname, ".."));
  const version = ownVersion(home);
  const places = [path.join(home, "node_modules", pkg)];
  if (path.basename(path.dirname(home)) === "node_modules") {
    places.push(path.join(path.dirname(home), pkg));
  }
  for (const dir of places) {
    let manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    } catch (e) {
      continue;
    }
    if (manifest.name !== pkg) {
      continue;
    }
    if (version !== undefined && manifest.version !== version) {
      fail(
        `${pkg} ${manifest.version} is installed for postman-cognito ${version}; the two must be ` +
          `the same version.\nInstall again: npm install postman-cognito@${version}`
      );
    }
    return path.join(dir, "bin", exe);
  }
  fail(
    `the package ${pkg} is not installed beside postman-cognito, so the binary for ${key} is ` +
      "missing.\nWas the install run with --no-optional (or --omit=optional)? Install again " +
      "without it:\n  npm install postman-cognito"
  );
}

const binary = binaryPath();
const child = spawn(binary, process.argv.slice(2), {
  stdio: "inherit",
  // The binary ties its life to this process's (it stops when the launcher is killed).
  env: { ...process.env, POSTMAN_COGNITO_LAUNCHER_PID: String(process.pid) },
});
const handlers = {};
for (const sig of FORWARDED) {
  handlers[sig] = () => {
    try {
      child.kill(sig);
    } catch (e) {
      // The child is gone already.
    }
  };
  try {
    process.on(sig, handlers[sig]);
  } catch (e) {
    // A signal this platform does not have.
  }
}
child.on("error", (e) => fail(`cannot run ${path.basename(binary)}: ${e.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // End of the same signal, so the caller sees what happened.
    for (const sig of FORWARDED) {
      if (handlers[sig]) {
        process.removeListener(sig, handlers[sig]);
      }
    }
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code === null ? 1 : code);
});
