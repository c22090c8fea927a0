/**
 * Cold start of every function as packaged: each handler built exactly as `npm run package` builds it
 * (infra/bundle.ts), its minified size and what is in it (esbuild's metafile), and the time to require it in a
 * fresh Node process (median of RUNS), beside requiring `@aws-sdk/client-cloudwatch` alone (from node_modules, and
 * bundled the same way) and bare `node -e 0`. Source maps: the same bundle with a map, required with and without
 * `--enable-source-maps`. Runs are interleaved across what is measured, so background load spreads evenly.
 * Standalone: `npx tsx bench/cold-start.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { loadConfig } from '../functions/config/load';
import { buildLambdaBundle, LAMBDA_BUILD_OPTIONS, LAMBDA_FUNCTIONS, REPO_ROOT } from '../infra/bundle';
import { type BenchSection, runAlone } from './types';

const RUNS = 15;
/** The repo's example (no secrets, no SNS channel) and the deployable fixture (${ssm:} token, SNS channel). */
const CONFIGS = [
  ['vigil.yml', join(REPO_ROOT, 'vigil.yml')],
  ['deploy fixture', join(REPO_ROOT, 'test/fixtures/deploy/vigil.yml')],
] as const;

interface Measured {
  label: string;
  /** The module to require; undefined: bare `node -e 0`. */
  module?: string;
  flags?: string[];
  requireMs: number[];
  wallMs: number[];
}

function once(measured: Measured): void {
  const script =
    measured.module === undefined
      ? '0'
      : `const t=process.hrtime.bigint();require(${JSON.stringify(measured.module)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...(measured.flags ?? []), '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${measured.label}: ${result.stderr}`);
  measured.wallMs.push(wall);
  if (measured.module !== undefined) measured.requireMs.push(Number(result.stdout));
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(0)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The largest packages (or vigil folders) in a bundle, from its metafile. */
function topInputs(
  metafile: {
    outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }>;
  },
  count: number,
): string {
  const output = Object.values(metafile.outputs).find((each) => each.entryPoint !== undefined);
  const sizes = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const name =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    sizes.set(name, (sizes.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...sizes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(', ');
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-cold-'));
  const rows: string[] = [];
  const targets: Measured[] = [
    { label: 'bare node -e 0', requireMs: [], wallMs: [] },
    {
      label: '@aws-sdk/client-cloudwatch (node_modules)',
      module: '@aws-sdk/client-cloudwatch',
      requireMs: [],
      wallMs: [],
    },
  ];
  const cloudwatchEntry = join(dir, 'cloudwatch-alone.ts');
  writeFileSync(
    cloudwatchEntry,
    "import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';\nexport const used = [CloudWatchClient, PutMetricDataCommand];\n",
  );
  const cloudwatchBundle = join(dir, 'cloudwatch-alone.js');
  await build({
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    entryPoints: [cloudwatchEntry],
    nodePaths: [join(REPO_ROOT, 'node_modules')],
    outfile: cloudwatchBundle,
    logLevel: 'error',
  });
  targets.push({
    label: 'CloudWatch client alone, bundled',
    module: cloudwatchBundle,
    requireMs: [],
    wallMs: [],
  });

  const bundles: { config: string; fn: string; bytes: number; top: string; measured: Measured }[] = [];
  for (const [name, file] of CONFIGS) {
    const config = loadConfig(file);
    for (const fn of LAMBDA_FUNCTIONS) {
      const outfile = join(dir, `${name.replace(/\W+/g, '-')}-${fn}.js`);
      const { bytes, metafile } = await buildLambdaBundle(fn, config, outfile);
      const measured: Measured = { label: `${fn} (${name})`, module: outfile, requireMs: [], wallMs: [] };
      bundles.push({ config: name, fn, bytes, top: topInputs(metafile, 5), measured });
      targets.push(measured);
    }
  }
  // Source maps: the probe of the deployable config, as packaged (its map beside it), with and without the flag.
  const probe = bundles.find((bundle) => bundle.fn === 'probe' && bundle.config === CONFIGS[1][0]);
  if (!probe?.measured.module) throw new Error('no probe bundle');
  const mapped = probe.measured.module;
  const mapBytes = statSync(`${mapped}.map`).size;
  const withFlag: Measured = {
    label: 'probe, --enable-source-maps',
    module: mapped,
    flags: ['--enable-source-maps'],
    requireMs: [],
    wallMs: [],
  };
  targets.push(withFlag);

  for (let round = 0; round < RUNS; round++) for (const target of targets) once(target);

  const bare = median(targets[0]!.wallMs);
  const sdk = median(targets[1]!.requireMs);
  const sdkBundled = median(targets[2]!.requireMs);
  rows.push(
    `| Function (config) | minified | require (median of ${RUNS}) | × CloudWatch client (node_modules) | × CloudWatch client (bundled) | process wall − bare node | largest parts |`,
    '| --- | --: | --: | --: | --: | --: | --- |',
  );
  for (const bundle of bundles) {
    const req = median(bundle.measured.requireMs);
    rows.push(
      `| ${bundle.fn} (${bundle.config}) | ${kb(bundle.bytes)} | ${ms(req)} | ${(req / sdk).toFixed(2)}× | ${(req / sdkBundled).toFixed(2)}× | ${ms(median(bundle.measured.wallMs) - bare)} | ${bundle.top} |`,
    );
  }
  const mappedReq = median(probe.measured.requireMs);
  const flaggedReq = median(withFlag.requireMs);
  return {
    title: 'Cold start and bundle size',
    markdown: `Each handler built as \`npm run package\` builds it (infra/bundle.ts: minified CJS, the SDK's ES modules,
what the function cannot reach for that config left out), then required in a fresh \`node\` (${process.version})
${RUNS} times, interleaved with the references; medians. "require" is the time inside the process around
\`require()\`; "process wall − bare node" adds what Node does before and after (compiling, exiting).

| Reference | require | process wall |
| --- | --: | --: |
| bare \`node -e 0\` | – | ${ms(bare)} |
| \`require('@aws-sdk/client-cloudwatch')\` from node_modules | ${ms(sdk)} | ${ms(median(targets[1]!.wallMs))} |
| the CloudWatch client alone, bundled the same way (${kb(statSync(cloudwatchBundle).size)}) | ${ms(sdkBundled)} | ${ms(median(targets[2]!.wallMs))} |

${rows.join('\n')}

**Source maps** (the probe of the deploy fixture): its map is ${kb(mapBytes)} beside the ${kb(statSync(mapped).size)} bundle.
Required as packaged (map in the zip, flag off) ${ms(mappedReq)}; with \`--enable-source-maps\` ${ms(flaggedReq)}
(${flaggedReq - mappedReq >= 0 ? '+' : ''}${ms(flaggedReq - mappedReq)}): Node then reads and parses the map while loading
the module, at every cold start, for stack traces nobody may read. So the map ships (for reading a trace offline)
and the flag does not (README "Cold start").`,
  };
}

runAlone(module, run);
