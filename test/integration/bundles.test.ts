// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ssm:..} is vigil's secret placeholder, not a template
/**
 * Every function's bundle, built as packaging builds it (infra/bundle.ts) for several configs: from esbuild's
 * metafile, it holds none of what its plan leaves out and none of what the function never uses, it holds what the
 * config needs, and it fits its size budget. Then the lean bundles run for real in a fresh Node, with only the
 * environment Lambda gives (credentials in the environment, the packaged JSON config): the probe publishes to the
 * CloudWatch fake, the webhook answers an alert.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { parse } from 'yaml';
import { loadConfig, parseConfig } from '../../functions/config/load';
import { packagedConfigText } from '../../functions/config/runtime';
import type { VigilConfig } from '../../functions/config/schema';
import {
  BUNDLE_MAX_BYTES,
  buildLambdaBundle,
  bundleBudget,
  bundleExclusions,
  LAMBDA_BUILD_OPTIONS,
  LAMBDA_FUNCTIONS,
  type LambdaFunction,
  REPO_ROOT,
} from '../../infra/bundle';
import { FAKE_CREDENTIALS } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { startHttpServer } from '../helpers/servers';

const BUILD_TIMEOUT_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'vigil-bundles-'));

const CONFIGS: Record<string, VigilConfig> = {
  example: loadConfig(join(REPO_ROOT, 'vigil.yml')),
  'deploy fixture (ssm token, sns channel)': loadConfig(join(REPO_ROOT, 'test/fixtures/deploy/vigil.yml')),
  'self-evaluated, sharded, ssm header': parseConfig(`alarms: { mode: self }
probe: { shardSize: 1 }
targets:
  - { name: a, url: "https://example.com/", headers: { X-Token: "\${ssm:/vigil/token}" } }
  - { name: b, url: "https://example.com/" }
`),
};

/** zod's classic API: the schemas the functions run are zod/mini (functions/zod-mini.ts); classic is the config's. */
const ZOD_CLASSIC = 'node_modules/zod/v4/classic/';

/** What a function never uses, whatever the config (the import graph keeps it out). */
const NEVER: Record<LambdaFunction, readonly string[]> = {
  probe: [
    'functions/channels/',
    'functions/intake/',
    'functions/notify/',
    'functions/webhook/',
    'functions/config/schema.ts',
    'node_modules/yaml/',
    'node_modules/zod/',
  ],
  webhook: [
    'functions/probing/transports/',
    'functions/promql/',
    'functions/alarms/self/',
    'functions/config/schema.ts',
    'node_modules/json-p3/',
    'node_modules/dns-packet/',
    'node_modules/yaml/',
    ZOD_CLASSIC,
  ],
  meta: [
    'functions/probing/transports/',
    'functions/promql/',
    'functions/config/schema.ts',
    'node_modules/yaml/',
    ZOD_CLASSIC,
  ],
  sweep: [
    'functions/probing/transports/',
    'functions/promql/',
    'functions/config/schema.ts',
    'node_modules/yaml/',
    ZOD_CLASSIC,
  ],
};

const built = new Map<string, { bytes: number; inputs: string[]; file: string }>();
async function bundle(name: string, fn: LambdaFunction) {
  const key = `${name}/${fn}`;
  const cached = built.get(key);
  if (cached) return cached;
  const file = join(dir, `${name.replace(/\W+/g, '-')}-${fn}.js`);
  const { bytes, metafile } = await buildLambdaBundle(fn, CONFIGS[name] as VigilConfig, file);
  const result = { bytes, inputs: inputsOf(metafile), file };
  built.set(key, result);
  return result;
}

function inputsOf(metafile: Metafile): string[] {
  const output = Object.values(metafile.outputs).find((each) => each.entryPoint !== undefined);
  return Object.keys(output?.inputs ?? {});
}

const CASES = Object.keys(CONFIGS).flatMap((name) => LAMBDA_FUNCTIONS.map((fn) => [name, fn] as const));

describe('the bundles', () => {
  it('are built with the options serverless.yml gives serverless-esbuild', () => {
    const esbuild = parse(readFileSync(join(REPO_ROOT, 'serverless.yml'), 'utf8')).custom.esbuild;
    const { plugins, exclude, ...options } = esbuild;
    expect(options).toEqual({ ...LAMBDA_BUILD_OPTIONS, mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields] });
    expect({ plugins, exclude }).toEqual({ plugins: './infra/esbuild-plugins.cjs', exclude: [] });
  });

  it.each(CASES)(
    '%s: the %s holds nothing its plan leaves out or it never uses, and fits its budget',
    async (name, fn) => {
      const { bytes, inputs } = await bundle(name, fn);
      const config = CONFIGS[name] as VigilConfig;
      const present = (module: string) =>
        inputs.some((input) => input.startsWith(module.includes('.') ? module : `node_modules/${module}/`));
      const leftOut = bundleExclusions(config, fn).map((exclusion) => exclusion.module);
      expect(leftOut.filter(present)).toEqual([]);
      expect(NEVER[fn].filter((prefix) => inputs.some((input) => input.startsWith(prefix)))).toEqual([]);
      expect(bytes).toBeLessThanOrEqual(bundleBudget(config, fn));
    },
    BUILD_TIMEOUT_MS,
  );

  it.each([
    [
      'self-evaluated, sharded, ssm header',
      'probe',
      [
        '@aws-sdk/client-sqs',
        '@aws-sdk/client-ssm',
        '@aws-sdk/client-sns',
        '@aws-sdk/client-dynamodb',
        'functions/alarms/self/round.ts',
      ],
    ],
    ['deploy fixture (ssm token, sns channel)', 'webhook', ['@aws-sdk/client-ssm', '@aws-sdk/client-sns']],
    ['self-evaluated, sharded, ssm header', 'webhook', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']],
  ] as const)(
    '%s: the %s holds what the config needs',
    async (name, fn, needed) => {
      const { inputs } = await bundle(name, fn);
      const present = (module: string) =>
        inputs.some((input) => input.startsWith(module.includes('.') ? module : `node_modules/${module}/`));
      expect(needed.filter((module) => !present(module))).toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  it.each(
    ['example', 'deploy fixture (ssm token, sns channel)'].flatMap((name) =>
      LAMBDA_FUNCTIONS.map((fn) => [name, fn] as const),
    ),
  )(
    '%s: the %s is within the issue’s 600 KB',
    async (name, fn) => {
      expect((await bundle(name, fn)).bytes).toBeLessThanOrEqual(BUNDLE_MAX_BYTES);
    },
    BUILD_TIMEOUT_MS,
  );
});

/** Runs `handler(event, context)` of a bundle in a fresh Node with only `env`; its answer, and what it printed. */
function invoke(
  file: string,
  event: unknown,
  env: NodeJS.ProcessEnv,
): Promise<{ answer: unknown; stdout: string }> {
  const script = `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}, {
    functionName: 'vigil-dev-probe', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 20000,
  }).then((answer) => process.stderr.write('ANSWER ' + JSON.stringify(answer) + '\\n'), (error) => {
    process.stderr.write('FAILED ' + error.stack + '\\n'); process.exitCode = 1; });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => {
      const answer = /^ANSWER (.*)$/m.exec(stderr)?.[1];
      if (code !== 0 || answer === undefined) reject(new Error(`exit ${code}: ${stderr}`));
      else resolve({ answer: JSON.parse(answer), stdout });
    });
  });
}

describe('the lean bundles, run as Lambda runs them', () => {
  let cloudwatch: FakeCloudWatch;
  const lambdaEnv = {
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: 'session',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'vigil-dev-probe',
  };
  beforeAll(async () => {
    cloudwatch = await startFakeCloudWatch();
  });
  afterAll(() => cloudwatch.close());

  it(
    'the probe reads its packaged config and publishes with environment credentials',
    async () => {
      const target = await startHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok","goroutines":12}');
      });
      try {
        const config = parseConfig(
          `targets:\n  - { name: api, type: json, url: "${target.url}/", metrics: [{ name: Goroutines, path: $.goroutines }] }\n`,
        );
        const file = join(dir, 'probe-config.json');
        writeFileSync(file, packagedConfigText(config, 'vigil.yml'));
        const { file: bundleFile } = await bundle('example', 'probe');
        const { answer } = await invoke(
          bundleFile,
          { source: 'aws.scheduler' },
          {
            ...lambdaEnv,
            VIGIL_CONFIG: file,
            VIGIL_STATE_DIR: join(dir, 'probe-state'),
            AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
          },
        );
        expect(answer).toMatchObject({ status: 'probed', up: 1, publish: { failed: [], viaEmf: 0 } });
        expect(cloudwatch.datums.find((datum) => datum.MetricName === 'Goroutines')?.Value).toBe(12);
      } finally {
        await target.close();
      }
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'the probe publishes with credentials from the container endpoint, past the credential links left out',
    async () => {
      // What ECS, EKS Pod Identity or a Lambda extension give instead of key variables.
      const credentials = await startHttpServer((req, res) => {
        res.writeHead(req.headers.authorization === 'container-token' ? 200 : 401, {
          'content-type': 'application/json',
        });
        res.end(
          JSON.stringify({
            AccessKeyId: FAKE_CREDENTIALS.accessKeyId,
            SecretAccessKey: FAKE_CREDENTIALS.secretAccessKey,
            Token: 'container-session',
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
          }),
        );
      });
      try {
        const config = parseConfig('targets:\n  - { name: gone, url: "http://127.0.0.1:9/" }\n');
        const file = join(dir, 'probe-container-config.json');
        writeFileSync(file, packagedConfigText(config, 'vigil.yml'));
        const { file: bundleFile } = await bundle('example', 'probe');
        const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, ...withoutKeys } = lambdaEnv;
        const { answer } = await invoke(
          bundleFile,
          { source: 'aws.scheduler' },
          {
            ...withoutKeys,
            AWS_CONTAINER_CREDENTIALS_FULL_URI: `${credentials.url}/credentials`,
            AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-token',
            VIGIL_CONFIG: file,
            VIGIL_STATE_DIR: join(dir, 'probe-container-state'),
            AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
          },
        );
        expect(answer).toMatchObject({ status: 'probed', publish: { failed: [] } });
        expect(cloudwatch.datums.some((datum) => datum.Dimensions?.some((d) => d.Value === 'gone'))).toBe(
          true,
        );
      } finally {
        await credentials.close();
      }
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'the webhook answers an alert from its packaged config',
    async () => {
      const config = parseConfig(
        'webhook: { token: bundle-token }\nalerts: { groupWait: 0 }\nroutes:\n  - channels: [console]\n',
      );
      const file = join(dir, 'webhook-config.json');
      writeFileSync(file, packagedConfigText(config, 'vigil.yml'));
      const { file: bundleFile } = await bundle('example', 'webhook');
      const event = {
        version: '2.0',
        headers: { authorization: 'Bearer bundle-token' },
        body: '{"alerts":[{"labels":{"alertname":"FromTheBundle"}}]}',
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST' } },
      };
      const { answer, stdout } = await invoke(bundleFile, event, {
        ...lambdaEnv,
        VIGIL_CONFIG: file,
        VIGIL_ALERT_STATE_FILE: join(dir, 'alert-state.db'),
      });
      expect(answer).toMatchObject({ statusCode: 200 });
      expect(stdout).toMatch(/FromTheBundle/);
    },
    BUILD_TIMEOUT_MS,
  );
});
