#!/usr/bin/env node
// Completes package-lock.json with the other platforms' native bindings (swc, biome, unrs-resolver, ...).
//
// Why: the npm registry mirror this project is built against lacks some foreign-platform optional packages
// (e.g. @biomejs/cli-android-arm64 is a 404 there). npm then leaves them out of the lock, and `npm ci` rejects
// that lock ("Missing: ... from lock file") here and on every machine with the full registry. A lock entry with
// the exact version the parent pins lets npm trust the lock instead of re-resolving; each platform installs
// only its own binding (os/cpu/libc below), so the foreign ones are never fetched here.
//
// Run after changing dependencies:   npm install && node .ci/complete-lockfile.mjs
// .ci/run checks it:                 node .ci/complete-lockfile.mjs --check
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openharmony',
  'netbsd',
  'openbsd',
  'sunos',
  'aix',
];
const CPU = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64'];

/** "@swc/core-linux-arm-gnueabihf" → { os: ['linux'], cpu: ['arm'], libc: ['glibc'] }; undefined if not a binding name. */
export function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const at = tokens.findIndex((token) => OS.includes(token));
  if (at < 0 || !CPU.includes(tokens[at + 1])) return undefined;
  const os = tokens[at];
  const rest = tokens.slice(at + 2);
  const platform = { os: [os], cpu: [tokens[at + 1]] };
  if (os === 'linux') platform.libc = rest.some((token) => token.startsWith('musl')) ? ['musl'] : ['glibc'];
  return platform;
}

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    // Hoisted next to the parent's own node_modules, as npm would place it.
    const parentDir = path === '' ? '' : `${path}/`;
    const candidates = [`${parentDir}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((candidate) => lock.packages[candidate])) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue; // only exact-pinned platform bindings
    lock.packages[`node_modules/${name}`] = {
      version: spec,
      ...platform,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
    };
    added.push(`${name}@${spec}`);
  }
}

if (process.argv.includes('--check')) {
  if (added.length > 0) {
    console.error(
      `package-lock.json lacks ${added.length} platform bindings (${added.slice(0, 3).join(', ')}…): run node .ci/complete-lockfile.mjs`,
    );
    process.exit(1);
  }
} else {
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    added.length === 0
      ? 'package-lock.json is complete'
      : `added ${added.length} platform bindings: ${added.join(', ')}`,
  );
}
