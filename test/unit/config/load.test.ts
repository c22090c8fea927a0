import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../functions/cli/main';
import { ConfigError, configPath, formatPath, loadConfig, parseConfig } from '../../../functions/config/load';
import { configJsonSchema } from '../../../functions/config/schema';
import { captureIo } from '../../helpers/io';

const repoConfig = join(__dirname, '../../../vigil.yml');

function issuesOf(text: string) {
  try {
    parseConfig(text, 'test.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('loads the repo example with defaults filled in', () => {
    const config = loadConfig(repoConfig);
    expect(config.namespace).toBe('Vigil');
    expect(config.probe).toMatchObject({
      timeout: 5000,
      concurrency: 50,
      maxBodySize: 10 * 1024 * 1024,
      maxRedirects: 10,
      maxSeries: 50,
    });
    const oneApi = config.targets.find((target) => target.name === 'one-api')!;
    expect(oneApi.metrics[0]).toMatchObject({ name: 'Goroutines', path: '$.goroutines', unit: 'Count' });
    expect(oneApi.metrics[0]!.thresholds).toEqual({
      warning: '> 2000',
      critical: '> 5000',
      emergency: '> 10000',
    });
    expect('method' in oneApi && oneApi.method).toBe('GET');
    expect(config.publish).toEqual({ via: 'cloudwatch', metrics: 'all', aggregates: false });
  });

  it('accepts the issue contract example verbatim', () => {
    const config = parseConfig(`
namespace: Vigil
probe:
  timeout: 5s
  concurrency: 50
targets:
  - name: one-api
    url: http://127.0.0.1:3000/api/monitor/health
    type: json
    expect:
      status: 200
      conditions:
        - $.status == "ok"
    metrics:
      - name: Goroutines
        path: $.goroutines
        unit: Count
        thresholds:
          warning: "> 2000"
          critical: "> 5000"
          emergency: "> 10000"
  - name: mall-go
    url: http://127.0.0.1:8080/metrics
    type: prometheus
    metrics:
      - name: RequestsByMethod
        query: sum by (method) (http_requests_total)
  - name: homepage
    url: https://example.com/
    type: http
    expect:
      status: 2xx
      maxDuration: 800ms
`);
    expect(config.targets.map((target) => target.name)).toEqual(['one-api', 'mall-go', 'homepage']);
    expect(config.targets[2]!.expect).toEqual({ status: '2xx', conditions: [], maxDuration: 800 });
  });

  it('reports every problem with its path, not only the first', () => {
    const issues = issuesOf(`
namespace: AWS/Mine
probe:
  timeout: soon
  concurency: 5
targets:
  - name: api
    url: htp://x
    type: json
    expect:
      status: 2xxx
      conditions:
        - goroutines > 5
    metrics:
      - name: Goroutines
        unit: Count
        thresholds:
          warning: "> abc"
          severe: "> 1"
          critical: { when: "> 5000", for: 4, of: 3 }
  - name: api
    url: http://127.0.0.1/metrics
    type: prometheus
    metrics:
      - name: Bad
        query: predict_linear(x[5m], 60)
      - name: Secret
        query: up
    headers:
      Authorization: "Bearer \${vault:/x}"
routes:
  - channels: [nowhere]
`);
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'namespace',
        'probe.timeout',
        'probe',
        'targets[0].url',
        'targets[0].expect.status',
        'targets[0].expect.conditions[0]',
        'targets[0].metrics[0].path',
        'targets[0].metrics[0].thresholds.warning',
        'targets[0].metrics[0].thresholds',
        'targets[0].metrics[0].thresholds.critical',
        'targets[1].name',
        'targets[1].metrics[0].query',
        'targets[1].headers.Authorization',
        'routes[0].channels[0]',
      ]),
    );
    const byPath = (path: string) =>
      issues
        .filter((issue) => issue.path === path)
        .map((issue) => issue.message)
        .join(' | ');
    expect(byPath('probe')).toMatch(/unknown key "concurency"/);
    expect(byPath('targets[0].metrics[0].thresholds')).toMatch(/unknown key "severe"/);
    expect(byPath('targets[0].metrics[0].thresholds.critical')).toMatch(/for \(4\) must not exceed of \(3\)/);
    expect(byPath('targets[0].metrics[0].thresholds.warning')).toMatch(/"> abc" is not a comparison/);
    expect(byPath('targets[1].metrics[0].query')).toMatch(
      /position 0: calls to predict_linear\(\) \("predict_linear\(x\[5m\], 60\)"\) are not supported/,
    );
    expect(byPath('targets[0].url')).toMatch(/not an http\(s\) URL/);
    expect(byPath('targets[1].name')).toMatch(/duplicate target name "api"/);
    expect(byPath('routes[0].channels[0]')).toMatch(/unknown channel "nowhere"/);
    expect(byPath('targets[1].headers.Authorization')).toMatch(/bad placeholder/);
    // Line numbers point into the YAML so editors can jump there.
    expect(issues.find((issue) => issue.path === 'targets[0].url')?.line).toBe(8);
  });

  it('reports every problem of several bad targets at once, each kind with its own metric fields', () => {
    const issues = issuesOf(`
targets:
  - name: a
    url: htp://x
    type: pager
    metrics: [{ name: M, path: $.x }]
  - name: b
    url: http://x
    type: json
    metrics:
      - { name: M, query: up }
      - { name: N, path: "$[" }
      - { name: N, path: $.a, bogus: 1 }
  - name: c
    url: http://x
    type: prometheus
    expect: { conditions: ["$.x == 1"] }
    metrics:
      - { name: M, path: $.a }
      - { name: Q, query: "nope(" }
  - name: d
    url: http://x
    metrics: [{ name: M, path: $.a }]
  - url: http://x
    type: json
`);
    expect(issues.map(({ path, message }) => `${path}: ${message}`)).toEqual(
      expect.arrayContaining([
        'targets[0].type: unknown target type "pager": use one of http, json, prometheus, tcp, dns, tls',
        // An unknown type still gets its shared fields checked.
        'targets[0].url: "htp://x" is not an http(s) URL',
        'targets[1].metrics[0].path: a json target metric needs a path ($.field)',
        'targets[1].metrics[0]: query is for prometheus targets; use path',
        expect.stringMatching(
          /^targets\[1\]\.metrics\[1\]\.path: "\$\[" is not a valid JSONPath \(RFC 9535\)/,
        ),
        'targets[1].metrics[2]: unknown key "bogus"',
        'targets[1].metrics[2].name: duplicate metric "N"',
        'targets[2].metrics[0].query: a prometheus target metric needs a query',
        'targets[2].metrics[0]: path is for json targets; use query',
        expect.stringMatching(/^targets\[2\]\.metrics\[1\]\.query: "nope\(": /),
        'targets[2].expect.conditions[0]: "$.x == 1": JSONPath conditions need type: json',
        'targets[3].metrics[0]: http targets have no body metrics: use type json (path) or prometheus (query)',
        'targets[4].name: expected string, received undefined',
      ]),
    );
    expect(issues).toHaveLength(13);
  });

  it('reads a target without type as http', () => {
    expect(parseConfig('targets: [{ name: a, url: "http://x" }]').targets[0]).toMatchObject({
      type: 'http',
      metrics: [],
    });
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('targets:\n  - name: a\n   url: b\n');
    expect(issues[0]!.message).toMatch(/^YAML: /);
    expect(issues[0]!.line).toBeGreaterThan(0);
  });

  it.each([
    ['at the top', 'namespace: A\nnamespace: B\n', '', 'namespace', 2],
    ['in a map', 'probe:\n  timeout: 5s\n  timeout: 6s\n', 'probe', 'timeout', 3],
    [
      'inside a list',
      'targets:\n  - name: a\n    url: http://x/\n  - name: b\n    url: http://y/\n    url: http://z/\n',
      'targets[1]',
      'url',
      6,
    ],
  ])('names a duplicate key %s, with its path and line', (_case, text, path, key, line) => {
    expect(issuesOf(text)).toEqual([
      {
        path,
        message: `duplicate key "${key}": YAML keeps only one of them; remove or rename the other`,
        line,
      },
    ]);
  });

  it('reports a YAML alias bomb as a config problem (exit 2), not a crash', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const name of ['b', 'c', 'd', 'e', 'f']) {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const text = `${levels.join('\n')}\n`;
    const issues = issuesOf(text);
    expect(issues).toEqual([
      {
        path: '',
        message: expect.stringMatching(/^YAML: aliases \(\*name\) expand to more than 100 copies/),
        line: 2,
      },
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-load-')), 'bomb.yml');
    writeFileSync(file, text);
    const captured = captureIo({});
    expect(await main(['validate', '--config', file], captured.io)).toBe(2);
    expect(captured.err()).toMatch(/bomb\.yml: 1 problem\n {2}- YAML: aliases .* \(line 2\)\n/);
    expect(captured.err()).not.toMatch(/ReferenceError/);
  });

  it('still accepts a few aliases shared between targets', () => {
    const config = parseConfig(`targets:
  - name: a
    url: http://127.0.0.1:1/
    expect: &expect { status: 200 }
  - name: b
    url: http://127.0.0.1:2/
    expect: *expect
`);
    const second = config.targets[1];
    expect(second && 'status' in second.expect && second.expect.status).toBe(200);
  });

  it.each([
    [
      'probe.timeout',
      'probe: { timeout: 30d }',
      /timeout: "30d" is outside 10ms-15m \(a Lambda run lasts at most 15m\)/,
    ],
    ['probe.timeout', 'probe: { timeout: 1ms }', /outside 10ms-15m/],
    [
      'targets[0].timeout',
      'targets: [{ name: a, url: "http://127.0.0.1/", timeout: 16m }]',
      /timeout: "16m" is outside 10ms-15m/,
    ],
    [
      'targets[0].expect.maxDuration',
      'targets: [{ name: a, url: "http://127.0.0.1/", expect: { maxDuration: 1h } }]',
      /maxDuration: "1h" is outside 1ms-15m/,
    ],
    [
      'probe.schedule',
      'probe: { schedule: 30s }',
      /schedule: "30s" is outside 1m-24h \(EventBridge Scheduler/,
    ],
    ['probe.schedule', 'probe: { schedule: 2d }', /outside 1m-24h/],
  ])('bounds every duration key: %s in `%s`', (path, text, message) => {
    expect(issuesOf(text)).toEqual([{ path, message: expect.stringMatching(message), line: 1 }]);
  });

  it.each([
    ['probe: { timeout: 15m, schedule: 24h }'],
    ['probe: { timeout: 10ms, schedule: 1m }'],
    ['targets: [{ name: a, url: "http://127.0.0.1/", timeout: 2s, expect: { maxDuration: 1ms } }]'],
  ])('accepts durations at the bounds: %s', (text) => {
    expect(() => parseConfig(text)).not.toThrow();
  });

  it('rejects a missing file with advice', () => {
    expect(() => loadConfig('/nonexistent/vigil.yml')).toThrow(
      /file not found: pass --config FILE or set VIGIL_CONFIG/,
    );
  });

  it.each([
    [undefined, {}, 'vigil.yml'],
    [undefined, { VIGIL_CONFIG: 'other.yml' }, 'other.yml'],
    ['cli.yml', { VIGIL_CONFIG: 'other.yml' }, 'cli.yml'],
  ])('configPath(%j, %j) ends with %s', (explicit, env, file) => {
    expect(configPath(explicit, env)).toMatch(new RegExp(`/${file.replace('.', '\\.')}$`));
  });

  it.each([
    [['targets', 2, 'metrics', 0, 'path'], 'targets[2].metrics[0].path'],
    [['probe', 'timeout'], 'probe.timeout'],
    [[], ''],
  ])('formatPath(%j) = %j', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  it('an empty file is a valid (empty) config', () => {
    expect(parseConfig('').targets).toEqual([]);
  });

  it('keeps the repo example in sync with the published JSON Schema file', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '../../../vigil.schema.json'), 'utf8'));
    expect(schema).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
