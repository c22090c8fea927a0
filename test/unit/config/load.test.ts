import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, configPath, formatPath, loadConfig, parseConfig } from '../../../functions/config/load';
import { configJsonSchema } from '../../../functions/config/schema';

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
    expect(oneApi.method).toBe('GET');
    expect(config.publish).toBe('cloudwatch');
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

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('targets:\n  - name: a\n   url: b\n');
    expect(issues[0]!.message).toMatch(/^YAML: /);
    expect(issues[0]!.line).toBeGreaterThan(0);
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
