/**
 * Which files the functions read at run time besides their bundle, and how they get into the zips. The alarms are
 * built from the config osls was pointed at (VIGIL_CONFIG or ./vigil.yml); the functions must read exactly that
 * file, wherever it lives, not the repo's example. osls only packages files under the service directory, so the
 * files are copied into `.vigil-package/<content hash>/`, keeping their layout relative to the config's
 * directory, and the functions get VIGIL_CONFIG pointing at the copy.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PACKAGED_CONFIG_FILE } from '../functions/config/runtime';
import type { VigilConfig } from '../functions/config/schema';

/** Under the service directory, git-ignored. */
export const PACKAGE_STAGING_DIR = '.vigil-package';
/** Staged copies of other configs older than this are removed (a concurrent package run keeps its own). */
const STALE_STAGING_MS = 3_600_000;
const HASH_CHARS = 12;

/**
 * The files a deployment of `config` needs, as absolute paths: the config itself, then every file it references
 * (a key that names a file, such as a rule file, adds it here so packaging picks it up).
 */
export function configFiles(configFile: string, config: VigilConfig): string[] {
  const files = [resolve(configFile)];
  for (const target of config.targets) {
    // Rule files: the webhook renders their annotations, so they ship next to the config.
    if (target.type === 'prometheus')
      for (const path of target.rules?.paths ?? []) if (!files.includes(path)) files.push(path);
  }
  return files;
}

interface StagedConfig {
  /** VIGIL_CONFIG for the functions: the staged config, relative to the service directory (Lambda's cwd). */
  configPath: string;
  /** package.patterns: exactly the staged files. */
  patterns: string[];
}

/**
 * Copies `files` (the config first) under the service directory, where osls can zip them. `packaged`: the validated
 * config as the functions read it (config/runtime.ts), written beside them as PACKAGED_CONFIG_FILE, which
 * VIGIL_CONFIG then names; the copies stay for what the config references (and for a person reading the zip).
 */
export function stageConfigFiles(
  serviceDir: string,
  files: readonly string[],
  packaged?: string,
): StagedConfig {
  const [config, ...rest] = files;
  if (config === undefined) throw new Error('nothing to package: no config file');
  const base = dirname(config);
  const entries = [config, ...rest].map((file) => {
    const inside = relative(base, file);
    if (inside.startsWith(`..${sep}`) || isAbsolute(inside))
      throw new Error(
        `${file} is outside ${base}: files a config references must sit next to it or below, so the copy keeps the same layout`,
      );
    return { file, inside: file === config ? basename(config) : inside, bytes: readFileSync(file) };
  });
  if (packaged !== undefined)
    entries.push({ file: PACKAGED_CONFIG_FILE, inside: PACKAGED_CONFIG_FILE, bytes: Buffer.from(packaged) });
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(entry.inside).update('\0').update(entry.bytes).update('\0');
  const id = hash.digest('hex').slice(0, HASH_CHARS);
  const root = join(serviceDir, PACKAGE_STAGING_DIR);
  const dir = join(root, id);
  for (const entry of entries) {
    const target = join(dir, entry.inside);
    mkdirSync(dirname(target), { recursive: true });
    // Same content, same name: concurrent runs write identical bytes, and the rename keeps readers whole.
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, entry.bytes);
    renameSync(temp, target);
  }
  pruneStale(root, id);
  const relativeDir = `${PACKAGE_STAGING_DIR}/${id}`;
  const patterns = entries.map((entry) => `${relativeDir}/${entry.inside.split(sep).join('/')}`);
  return { configPath: packaged === undefined ? patterns[0]! : patterns.at(-1)!, patterns };
}

function pruneStale(root: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(root)) {
    if (name === keep) continue;
    const path = join(root, name);
    if (now - statSync(path).mtimeMs > STALE_STAGING_MS) rmSync(path, { recursive: true, force: true });
  }
}
