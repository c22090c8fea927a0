#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx transpiles on load); the Lambda bundles are built by esbuild instead.

const problem = require('./node-version.cjs').nodeVersionProblem(process.version);
if (problem) {
  console.error(problem);
  process.exit(2);
}

require('tsx/cjs/api').register();
const { main } = require('./main.ts');

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
