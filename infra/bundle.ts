/**
 * What each Lambda's bundle holds. esbuild follows imports, so a bundle holds everything reachable from its handler,
 * used or not: the config schema (zod's classic API), four AWS clients a function never calls, the browser
 * user-agent parser of the SDK, the SSO/STS credential providers. The Lambda pays for it at every cold start,
 * and since August 2025 it pays for the init time too. So, for the config being packaged, this file decides what a
 * function can never reach and has esbuild put a stub in its place: a module whose every export throws
 * "left out of this bundle (why)", so a wrong decision fails loudly at the call instead of silently.
 *
 * The decisions (`bundleExclusions`):
 * - every function: the SDK's browser user agent (bowser), the credential providers after the environment's
 *   (Lambda gives the role's credentials in AWS_ACCESS_KEY_ID…, the first link of the chain), the YAML loader and
 *   config schema (packaged functions read the validated JSON, config/runtime.ts);
 * - the SSM client unless the function resolves a `${ssm:…}` placeholder of this config;
 * - the probe: SQS unless the plan has several shards (only the planner sends), SNS and DynamoDB unless
 *   `alarms.mode: self` (the probe then publishes alarm state changes and keeps alarm state);
 * - webhook, meta, sweep: SNS unless a channel has `type: sns`.
 * What a function's code never imports at all (the probe's channels, the webhook's probing, zod's classic API:
 * the schemas the functions run are zod/mini, functions/zod-mini.ts) is kept out by the import graph;
 * test/integration/bundles.test.ts checks both from esbuild's metafile, and the size budgets.
 */
import { join, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { VigilConfig } from '../functions/config/schema';
import { referencedSsmParameters } from '../functions/config/secrets';
import { planShards } from '../functions/probing/fanout/shards';

export const LAMBDA_FUNCTIONS = ['probe', 'webhook', 'meta', 'sweep'] as const;
export type LambdaFunction = (typeof LAMBDA_FUNCTIONS)[number];

/** serverless.yml's handlers, as entry points. */
export const LAMBDA_ENTRIES: Record<LambdaFunction, string> = {
  probe: 'functions/probe/handler.ts',
  webhook: 'functions/webhook/handler.ts',
  meta: 'functions/meta/handler.ts',
  sweep: 'functions/sweep/handler.ts',
};

/**
 * serverless.yml's `custom.esbuild` (a test keeps the two equal): one minified CJS file per function.
 * `mainFields: module, main` takes the SDK's ES modules, which esbuild can tree-shake command by command (AWS's
 * own advice for bundling SDK v3); the CommonJS builds are one file per client with every operation in it.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  // The map ships in the zip for reading stack traces offline; NODE_OPTIONS does not enable it (README "Cold
  // start": --enable-source-maps parses the 2.6 MB map at every cold start, +25 ms for the probe, bench/RESULTS.md).
  sourcemap: true,
  target: 'node24',
  platform: 'node',
  format: 'cjs',
  mainFields: ['module', 'main'],
} as const;

/** The budget for a minified handler, before what a config adds (BUNDLE_ALLOWANCES). */
export const BUNDLE_MAX_BYTES = 600 * 1024;
/** What each optional part may add to a bundle (measured: bench/RESULTS.md "Cold start and bundle size", + ~10%). */
export const BUNDLE_ALLOWANCES = {
  ssm: 85 * 1024,
  sqs: 30 * 1024,
  snsChannel: 30 * 1024,
  /** SNS, DynamoDB, the alarm definitions and their evaluation. */
  selfAlarms: 160 * 1024,
} as const;

export interface Exclusion {
  /** A package (`@aws-sdk/client-sns`) or a file, repo-relative (`functions/config/load.ts`). */
  module: string;
  why: string;
  /**
   * A link of the SDK's credential chain: its stub fails as a provider that has nothing to give
   * (`tryNextLink`), so the chain goes on to the links still bundled (the container endpoint, IMDS).
   */
  credentialLink?: true;
}

const ALWAYS: readonly Exclusion[] = [
  { module: 'bowser', why: "the SDK's browser user agent: these bundles run on Node" },
  ...[
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/token-providers',
    '@aws-sdk/nested-clients',
  ].map((module) => ({
    module,
    why: "Lambda passes the role's credentials in the environment, the first link of the SDK's chain",
    credentialLink: true as const,
  })),
  {
    module: 'functions/config/load.ts',
    why: 'packaged functions read the config validated at packaging (config/runtime.ts), not YAML',
  },
];

/** Does this function resolve an `${ssm:…}` placeholder of the config? */
function usesSsm(config: VigilConfig, fn: LambdaFunction): boolean {
  // The probe resolves what its targets carry; the others the intake's credentials and the channels'.
  const read = fn === 'probe' ? config.targets : { webhook: config.webhook, channels: config.channels };
  return referencedSsmParameters(read).size > 0;
}

/** What the bundle of `fn`, packaged for `config`, leaves out. */
export function bundleExclusions(config: VigilConfig, fn: LambdaFunction): Exclusion[] {
  const out: Exclusion[] = [...ALWAYS];
  if (!usesSsm(config, fn))
    out.push({ module: '@aws-sdk/client-ssm', why: `no \${ssm:…} placeholder for the ${fn} in this config` });
  if (fn === 'probe') {
    if (planShards(config).shards.length === 1)
      out.push({ module: '@aws-sdk/client-sqs', why: 'one shard: the probe sends no fan-out messages' });
    if (config.alarms.mode !== 'self') {
      const why = 'alarms.mode is cloudwatch: CloudWatch evaluates and notifies';
      out.push(
        { module: 'functions/alarms/self/round.ts', why },
        { module: '@aws-sdk/client-sns', why },
        { module: '@aws-sdk/client-dynamodb', why },
        { module: '@aws-sdk/lib-dynamodb', why },
      );
    }
  } else if (!Object.values(config.channels).some((channel) => channel.type === 'sns')) {
    out.push({ module: '@aws-sdk/client-sns', why: 'no channel of type sns' });
  }
  return out;
}

const STUB_NAMESPACE = 'vigil-excluded';
const SOURCE_EXTENSIONS = ['', '.ts', '.js', '/index.ts', '/index.js'];

/**
 * The esbuild plugin putting stubs in place of `exclusions`. `root`: the repo, which file exclusions are relative
 * to. A stub is CommonJS (so any named import of it builds) whose every property is a function that throws.
 */
export function exclusionPlugin(exclusions: readonly Exclusion[], root: string): Plugin {
  const packages = exclusions.filter((exclusion) => !exclusion.module.includes('.'));
  const files = new Map(
    exclusions
      .filter((exclusion) => exclusion.module.includes('.'))
      .map((exclusion) => [resolve(root, exclusion.module), exclusion]),
  );
  return {
    name: 'vigil-exclusions',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const excluded = args.path.startsWith('.')
          ? SOURCE_EXTENSIONS.map((extension) =>
              files.get(resolve(args.resolveDir, args.path) + extension),
            ).find(Boolean)
          : packages.find(({ module }) => args.path === module || args.path.startsWith(`${module}/`));
        return excluded
          ? { path: excluded.module, namespace: STUB_NAMESPACE, pluginData: excluded }
          : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => {
        const { module, why, credentialLink } = args.pluginData as Exclusion;
        const message = JSON.stringify(`${module} was left out of this bundle (${why}): see infra/bundle.ts`);
        // The SDK's chain moves on only past an error that says so (CredentialsProviderError.tryNextLink).
        const nextLink = credentialLink
          ? "error.name = 'CredentialsProviderError'; error.tryNextLink = true; "
          : '';
        return {
          loader: 'js',
          contents: `function fail() { const error = new Error(${message}); ${nextLink}throw error; }
// esbuild's ESM interop copies own keys and leaves the rest to the prototype: make that the stub too.
const any = new Proxy(fail, {
  get: (_, key) => (key === '__esModule' ? false : any),
  getPrototypeOf: () => any,
  apply: fail,
  construct: fail,
});
module.exports = any;`,
        };
      });
    },
  };
}

/** The repo root: where serverless.yml and the handlers are. */
export const REPO_ROOT = join(__dirname, '..');

/**
 * Builds `fn` for `config` exactly as packaging does (LAMBDA_BUILD_OPTIONS and the exclusions) into `outfile` (and
 * its map beside it): the bundles the tests check and the bench loads.
 */
export async function buildLambdaBundle(
  fn: LambdaFunction,
  config: VigilConfig,
  outfile: string,
): Promise<{ bytes: number; metafile: Metafile }> {
  const result = await build({
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    absWorkingDir: REPO_ROOT,
    entryPoints: [LAMBDA_ENTRIES[fn]],
    outfile,
    metafile: true,
    logLevel: 'error',
    plugins: [exclusionPlugin(bundleExclusions(config, fn), REPO_ROOT)],
  });
  const output = Object.values(result.metafile.outputs).find((each) => each.entryPoint !== undefined);
  return { bytes: output?.bytes ?? 0, metafile: result.metafile };
}

/** The size a bundle of `fn` packaged for `config` may have: the budget plus what this config makes it carry. */
export function bundleBudget(config: VigilConfig, fn: LambdaFunction): number {
  const left = new Set(bundleExclusions(config, fn).map((exclusion) => exclusion.module));
  let budget = BUNDLE_MAX_BYTES;
  if (!left.has('@aws-sdk/client-ssm')) budget += BUNDLE_ALLOWANCES.ssm;
  if (fn === 'probe') {
    if (!left.has('@aws-sdk/client-sqs')) budget += BUNDLE_ALLOWANCES.sqs;
    if (config.alarms.mode === 'self') budget += BUNDLE_ALLOWANCES.selfAlarms;
  } else if (!left.has('@aws-sdk/client-sns')) budget += BUNDLE_ALLOWANCES.snsChannel;
  return budget;
}
