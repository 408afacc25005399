#!/usr/bin/env node
// The postman-cognito launcher: finds the binary of this platform, installed by npm as one of
// the optionalDependencies (@postman-cognito/<os>-<cpu>, nothing downloaded at install time),
// and runs it with the same arguments, streams and exit code.
"use strict";

const { spawnSync } = require("child_process");
const path = require("path");

const PLATFORMS = {
  "linux-x64": "@postman-cognito/linux-x64",
  "linux-arm64": "@postman-cognito/linux-arm64",
  "darwin-x64": "@postman-cognito/darwin-x64",
  "darwin-arm64": "@postman-cognito/darwin-arm64",
  "win32-x64": "@postman-cognito/win32-x64",
};

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
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch (e) {
    fail(
      `the package ${pkg} is not installed, so the binary for ${key} is missing.\n` +
        "Was the install run with --no-optional (or --omit=optional)? Install again without it:\n" +
        "  npm install postman-cognito"
    );
  }
}

function fail(message) {
  process.stderr.write(`postman-cognito: error: ${message}\n`);
  process.exit(1);
}

const result = spawnSync(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  fail(`cannot run ${path.basename(binaryPath())}: ${result.error.message}`);
}
if (result.signal) {
  // Die of the same signal, so the caller sees what happened.
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 1 : result.status);
