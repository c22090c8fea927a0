/**
 * zod's functional API (zod/mini) with English messages: what the schemas the Lambda functions run are written in
 * (channel configs, re-checked once their secrets are resolved; intake payloads; maintenance windows). esbuild
 * tree-shakes it to what those schemas use, 41 KB minified in the webhook against the classic API's 174 KB, which
 * loads every method of every schema type (bench/RESULTS.md "Cold start and bundle size"). The config schema
 * (config/schema.ts), never in a Lambda bundle, stays classic and composes these: both are the same zod core.
 *
 * Mini sets no locale (classic sets English at its first schema), and intake answers and config errors show zod's
 * messages ("Invalid input: expected string, received number"), so this sets English unless a locale is set.
 * Importing the locale from the index leaves the other 40 to tree-shaking.
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

// config() with no argument reads the global config; `core.globalConfig` would keep all of core from tree-shaking.
if (!config().localeError) config(en());

export * from 'zod/mini';
