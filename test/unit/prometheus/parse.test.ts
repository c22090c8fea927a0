import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectFormat,
  type ParseOptions,
  PrometheusParseError,
  parsePrometheus,
  parsePrometheusPage,
  type Sample,
} from '../../../functions/prometheus/parse';

const FIXTURES = join(__dirname, '../../fixtures/prometheus');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function parseError(text: string, options?: ParseOptions): PrometheusParseError {
  try {
    parsePrometheus(text, options);
  } catch (error) {
    if (error instanceof PrometheusParseError) return error;
    throw error;
  }
  throw new Error('expected a PrometheusParseError, the page parsed');
}

/**
 * An independent, regex-based reader for the simple 0.0.4 lines real exporters write (no exemplars, no
 * unknown escapes), used as the oracle for the captured pages.
 */
function oracle(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!match) throw new Error(`oracle cannot read ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    }
    const raw = match[3]!;
    const value =
      raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    const sample: Sample = { name: match[1]!, labels, value };
    if (match[4] !== undefined) sample.timestampMs = Number(match[4]);
    samples.push(sample);
  }
  return samples;
}

describe('parsePrometheus: features', () => {
  it.each<[string, string, Sample[]]>([
    ['a sample without labels', 'up 1\n', [{ name: 'up', labels: {}, value: 1 }]],
    [
      'labels',
      'http_requests_total{method="GET",code="200"} 3\n',
      [{ name: 'http_requests_total', labels: { method: 'GET', code: '200' }, value: 3 }],
    ],
    ['an empty label set', 'up{} 1\n', [{ name: 'up', labels: {}, value: 1 }]],
    ['a trailing comma in the label set', 'x{a="1",} 2\n', [{ name: 'x', labels: { a: '1' }, value: 2 }]],
    [
      'blanks and tabs around labels and values',
      'x { a = "1" ,\tb="2" }\t 2 \n',
      [{ name: 'x', labels: { a: '1', b: '2' }, value: 2 }],
    ],
    [
      'escaped backslash, quote and newline in a label value',
      'x{path="C:\\\\dir\\"q\\"\\nnext"} 1\n',
      [{ name: 'x', labels: { path: 'C:\\dir"q"\nnext' }, value: 1 }],
    ],
    [
      'an unknown escape kept verbatim, as Prometheus does',
      'x{a="\\t"} 1\n',
      [{ name: 'x', labels: { a: '\\t' }, value: 1 }],
    ],
    [
      'separators and UTF-8 inside a label value',
      'x{a="}#,= ünï 🚀",b="{"} 1\n',
      [{ name: 'x', labels: { a: '}#,= ünï 🚀', b: '{' }, value: 1 }],
    ],
    ['NaN', 'x NaN\n', [{ name: 'x', labels: {}, value: Number.NaN }]],
    ['+Inf', 'x +Inf\n', [{ name: 'x', labels: {}, value: Number.POSITIVE_INFINITY }]],
    ['-Inf', 'x -Inf\n', [{ name: 'x', labels: {}, value: Number.NEGATIVE_INFINITY }]],
    [
      'Inf and nan in any case, as Go parses them',
      'x inf\ny nan\n',
      [
        { name: 'x', labels: {}, value: Number.POSITIVE_INFINITY },
        { name: 'y', labels: {}, value: Number.NaN },
      ],
    ],
    ['Java exponents', 'x 4.5088768E7\n', [{ name: 'x', labels: {}, value: 45088768 }]],
    ['Python exponents', 'x 2.8798976e+07\n', [{ name: 'x', labels: {}, value: 28798976 }]],
    [
      'negative and fractional values',
      'x -1.5e-3\ny .5\n',
      [
        { name: 'x', labels: {}, value: -0.0015 },
        { name: 'y', labels: {}, value: 0.5 },
      ],
    ],
    [
      'a large integer beyond exact doubles',
      'x 1000000000000000000000\n',
      [{ name: 'x', labels: {}, value: 1e21 }],
    ],
    [
      'a millisecond timestamp (0.0.4)',
      'x{a="b"} 1 1700000000123\n',
      [{ name: 'x', labels: { a: 'b' }, value: 1, timestampMs: 1700000000123 }],
    ],
    ['a negative timestamp', 'x 1 -5000\n', [{ name: 'x', labels: {}, value: 1, timestampMs: -5000 }]],
    [
      'a timestamp in seconds with a fraction (OpenMetrics)',
      'x 1 1700000000.5\n# EOF\n',
      [{ name: 'x', labels: {}, value: 1, timestampMs: 1700000000500 }],
    ],
    [
      'HELP, TYPE, UNIT and other comments',
      '# HELP x Some help.\n# TYPE x gauge\n# UNIT x seconds\n# just a comment\n#\nx 1\n',
      [{ name: 'x', labels: {}, value: 1 }],
    ],
    [
      'a histogram',
      [
        '# TYPE rpc_seconds histogram',
        'rpc_seconds_bucket{le="0.1"} 3',
        'rpc_seconds_bucket{le="+Inf"} 5',
        'rpc_seconds_sum 1.25',
        'rpc_seconds_count 5',
        '',
      ].join('\n'),
      [
        { name: 'rpc_seconds_bucket', labels: { le: '0.1' }, value: 3 },
        { name: 'rpc_seconds_bucket', labels: { le: '+Inf' }, value: 5 },
        { name: 'rpc_seconds_sum', labels: {}, value: 1.25 },
        { name: 'rpc_seconds_count', labels: {}, value: 5 },
      ],
    ],
    [
      'a summary',
      '# TYPE rpc summary\nrpc{quantile="0.99"} 0.2\nrpc_sum 3\nrpc_count 10\n',
      [
        { name: 'rpc', labels: { quantile: '0.99' }, value: 0.2 },
        { name: 'rpc_sum', labels: {}, value: 3 },
        { name: 'rpc_count', labels: {}, value: 10 },
      ],
    ],
    [
      'OpenMetrics counters with _total, _created and an exemplar',
      [
        '# TYPE req counter',
        '# HELP req Requests.',
        'req_total{path="/"} 121.0 # {span_id="01",trace_id="fed987"} 1.0 1795309471.958882',
        'req_created{path="/"} 1.7953094694477177e+09',
        'lat_bucket{le="0.5"} 2 # {trace_id="x"} 0.3',
        '# EOF',
      ].join('\n'),
      [
        { name: 'req_total', labels: { path: '/' }, value: 121 },
        { name: 'req_created', labels: { path: '/' }, value: 1795309469.4477177 },
        { name: 'lat_bucket', labels: { le: '0.5' }, value: 2 },
      ],
    ],
    [
      'blank and whitespace-only lines',
      '\n\nx 1\n   \n\t\ny 2\n\n',
      [
        { name: 'x', labels: {}, value: 1 },
        { name: 'y', labels: {}, value: 2 },
      ],
    ],
    ['leading blanks before a sample', '  x 1\n', [{ name: 'x', labels: {}, value: 1 }]],
    [
      'CRLF line endings',
      '# TYPE x gauge\r\nx{a="b"} 1\r\ny 2 1000\r\n',
      [
        { name: 'x', labels: { a: 'b' }, value: 1 },
        { name: 'y', labels: {}, value: 2, timestampMs: 1000 },
      ],
    ],
    [
      'no trailing newline',
      'x 1\ny 2',
      [
        { name: 'x', labels: {}, value: 1 },
        { name: 'y', labels: {}, value: 2 },
      ],
    ],
    ['an empty page', '', []],
    ['a page of comments only', '# HELP x nothing yet\n# TYPE x gauge\n', []],
    ['a repeated series (the first kept)', 'x 1\nx 2\n', [{ name: 'x', labels: {}, value: 1 }]],
    [
      'a Prometheus 3 quoted metric name and label name',
      '{"my.metric", "a.b"="x"} 1\n',
      [{ name: 'my.metric', labels: { 'a.b': 'x' }, value: 1 }],
    ],
    ['a quoted metric name alone', '{"my.metric"} 1\n', [{ name: 'my.metric', labels: {}, value: 1 }]],
    [
      'a quoted label name after a legacy metric name',
      'my_metric{"dotted.label"="x",plain="y"} 1\n',
      [{ name: 'my_metric', labels: { 'dotted.label': 'x', plain: 'y' }, value: 1 }],
    ],
    [
      'a label called __proto__',
      'x{__proto__="p"} 1\n',
      [{ name: 'x', labels: { ['__proto__']: 'p' }, value: 1 }],
    ],
    [
      'colons in metric names (recording rules)',
      'job:rpc:rate5m 3\n',
      [{ name: 'job:rpc:rate5m', labels: {}, value: 3 }],
    ],
  ])('parses %s', (_name, text, expected) => {
    // Act
    const samples = parsePrometheus(text);

    // Assert
    expect(samples).toEqual(expected);
  });

  it('keeps a label named __proto__ as an own, enumerable property', () => {
    // Act
    const [sample] = parsePrometheus('x{__proto__="p"} 1\n');

    // Assert
    expect(Object.keys(sample!.labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(sample!.labels)).toBe(Object.prototype);
  });

  it('leaves timestampMs absent when the line has none', () => {
    // Act
    const [sample] = parsePrometheus('x 1\n');

    // Assert
    expect(sample).not.toHaveProperty('timestampMs');
  });
});

describe('parsePrometheusPage: a series given twice', () => {
  it.each<[string, string, Sample[], { count: number; firstLine: number; series: string } | undefined]>([
    ['no duplicate', 'x 1\ny 2\nx{a="b"} 3\n', [], undefined],
    [
      'the same line twice',
      'x 1\nx 2\n',
      [{ name: 'x', labels: {}, value: 1 }],
      { count: 1, firstLine: 2, series: 'x' },
    ],
    [
      'labels in another order',
      'x{a="1",b="2"} 1\nx{b="2",a="1"} 2\n',
      [{ name: 'x', labels: { a: '1', b: '2' }, value: 1 }],
      { count: 1, firstLine: 2, series: 'x{b="2",a="1"}' },
    ],
    [
      'an empty label is an absent one',
      'x 1\nx{a=""} 2\n',
      [{ name: 'x', labels: {}, value: 1 }],
      { count: 1, firstLine: 2, series: 'x{a=""}' },
    ],
    [
      'a quoted name and a bare one',
      'x{a="1"} 1\n{"x",a="1"} 2\n{a="1","x"} 3\n',
      [{ name: 'x', labels: { a: '1' }, value: 1 }],
      { count: 2, firstLine: 2, series: 'x{a="1"}' },
    ],
    [
      'three times, counted twice',
      'y 0\nx 1\nx 2\nx 3\n',
      [
        { name: 'y', labels: {}, value: 0 },
        { name: 'x', labels: {}, value: 1 },
      ],
      { count: 2, firstLine: 3, series: 'x' },
    ],
  ])('%s', (_name, text, kept, duplicates) => {
    const page = parsePrometheusPage(text);
    if (kept.length > 0) expect(page.samples).toEqual(kept);
    expect(page.duplicates).toEqual(duplicates);
  });

  it('keeps different series whose labels differ only in a value', () => {
    const page = parsePrometheusPage('x{a="1"} 1\nx{a="2"} 2\nx{b="1"} 3\nz{a="1"} 4\n');
    expect(page.samples).toHaveLength(4);
    expect(page.duplicates).toBeUndefined();
  });

  it('finds duplicates among many distinct series (no false positives from the hash)', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`m{a="${i % 137}",b="${Math.floor(i / 137)}"} ${i}`);
    lines.push('m{b="0",a="5"} -1');
    const page = parsePrometheusPage(`${lines.join('\n')}\n`);
    expect(page.samples).toHaveLength(20_000);
    expect(page.duplicates).toMatchObject({ count: 1, firstLine: 20_001 });
  });

  it('also checks in selective mode, among the kept families', () => {
    const page = parsePrometheusPage('x 1\ny 1\ny 2\nx 2\n', { names: new Set(['x']) });
    expect(page.samples).toEqual([{ name: 'x', labels: {}, value: 1 }]);
    expect(page.duplicates).toMatchObject({ count: 1, firstLine: 4 });
  });
});

describe('parsePrometheusPage: metadata and format', () => {
  it.each<[string, string, string, Record<string, unknown>]>([
    [
      'HELP escapes \\\\ and \\n',
      '# HELP x Path C:\\\\tmp\\nsecond line\nx 1\n',
      'x',
      { help: 'Path C:\\tmp\nsecond line' },
    ],
    ['HELP keeps other backslashes', '# HELP x a \\d b\n', 'x', { help: 'a \\d b' }],
    ['an empty HELP', '# HELP x\n', 'x', { help: '' }],
    ['TYPE', '# TYPE x counter\n', 'x', { type: 'counter' }],
    ['untyped (0.0.4)', '# TYPE x untyped\n', 'x', { type: 'untyped' }],
    [
      'UNIT, HELP and TYPE together',
      '# TYPE x_seconds gauge\n# UNIT x_seconds seconds\n# HELP x_seconds Time.\n# EOF\n',
      'x_seconds',
      {
        type: 'gauge',
        unit: 'seconds',
        help: 'Time.',
      },
    ],
    [
      'a quoted family name',
      '# TYPE "my.metric" gauge\n# HELP "my.metric" Dotted.\n',
      'my.metric',
      {
        type: 'gauge',
        help: 'Dotted.',
      },
    ],
  ])('reads %s', (_name, text, family, expected) => {
    // Act
    const page = parsePrometheusPage(text);

    // Assert
    expect(page.metadata.get(family)).toEqual(expected);
  });

  it.each<[string, string, 'prometheus' | 'openmetrics']>([
    ['a page ending in # EOF', 'x 1\n# EOF\n', 'openmetrics'],
    ['# EOF without a trailing newline', 'x 1\n# EOF', 'openmetrics'],
    ['# EOF with CRLF and trailing blank lines', 'x 1\r\n# EOF\r\n\r\n', 'openmetrics'],
    ['a page of only # EOF', '# EOF\n', 'openmetrics'],
    ['a 0.0.4 page', 'x 1\n', 'prometheus'],
    ['# EOF not at the start of a line', 'x{a="# EOF"} 1\n', 'prometheus'],
    ['an empty page', '', 'prometheus'],
  ])('detects the format of %s', (_name, text, format) => {
    // Act
    const detected = detectFormat(text);

    // Assert
    expect(detected).toBe(format);
  });

  it('treats # EOF as a plain comment when the format is forced to 0.0.4', () => {
    // Act
    const samples = parsePrometheus('x 1\n# EOF\ny 2\n', { format: 'prometheus' });

    // Assert
    expect(samples.map((s) => s.name)).toEqual(['x', 'y']);
  });
});

describe('parsePrometheus: errors', () => {
  it.each<[string, string, ParseOptions, number, string]>([
    ['an unclosed label set', 'x{a="1"\n', {}, 1, 'label set not closed'],
    ['an unquoted label value', 'x{a=1} 1\n', {}, 1, 'expected a quoted value for label "a"'],
    ['a missing "="', 'x{a"1"} 1\n', {}, 1, 'expected "=" after label name "a"'],
    ['a missing comma between labels', 'x{a="1" b="2"} 1\n', {}, 1, 'expected "," or "}"'],
    ['an unclosed label value', 'x{a="1} 1\n', {}, 1, 'quoted string not closed'],
    ['a raw newline in a label value', 'x{a="1\n2"} 1\n', {}, 1, 'quoted string not closed'],
    ['a missing value', 'ok 1\nx\n', {}, 2, 'expected a sample value'],
    ['a missing value after labels', 'x{a="b"}\n', {}, 1, 'expected a sample value'],
    ['a bad value', 'x abc\n', {}, 1, 'invalid sample value "abc"'],
    ['a hexadecimal value', 'x 0x1F\n', {}, 1, 'invalid sample value'],
    ['a lone sign', 'x +\n', {}, 1, 'invalid sample value'],
    ['two decimal points', 'x 1.2.3\n', {}, 1, 'invalid sample value'],
    ['a bad timestamp', 'x 1 abc\n', {}, 1, 'invalid timestamp'],
    ['a fractional timestamp in 0.0.4', 'x 1 1.5\n', {}, 1, 'expected integer milliseconds'],
    ['text after the timestamp', 'x 1 2 3\n', {}, 1, 'unexpected "3" after the timestamp'],
    ['a duplicate label', 'x{a="1",a="2"} 1\n', {}, 1, 'duplicate label "a"'],
    ['a __name__ label', 'x{__name__="y"} 1\n', {}, 1, 'label "__name__" is reserved'],
    ['no metric name', '{a="1"} 1\n', {}, 1, 'metric name missing'],
    ['a name starting with a digit', '1x 1\n', {}, 1, 'expected a metric name, found "1x"'],
    ['a stray character in a name', 'x-y 1\n', {}, 1, 'unexpected "-y" in metric name'],
    ['a comma without a label', 'x{,} 1\n', {}, 1, 'expected a label name or "}"'],
    ['an empty quoted label name', 'x{""="v"} 1\n', {}, 1, 'empty label name'],
    ['an unknown type', '# TYPE x histogramm\n', {}, 1, 'unknown metric type "histogramm"'],
    ['TYPE followed by a comment sign', '# TYPE #\n', {}, 1, 'expected a metric name after "# TYPE"'],
    ['HELP with a bad name', '# HELP 1x help\n', {}, 1, 'expected a metric name after "# HELP"'],
    ['TYPE with extra words', '# TYPE x gauge extra\n', {}, 1, 'unexpected text after the TYPE of "x"'],
    ['a comment that is not an exemplar', 'x 1 # not an exemplar\n', {}, 1, 'expected an exemplar'],
    ['an exemplar without a value', 'x 1 # {a="b"}\n', {}, 1, 'expected an exemplar value'],
    ['an exemplar with a bad value', 'x 1 # {a="b"} zz\n', {}, 1, 'invalid exemplar value'],
    ['content after # EOF', 'x 1\n# EOF\ny 2\n# EOF\n', {}, 3, 'content after "# EOF" (line 2)'],
    [
      'a forced OpenMetrics page without # EOF',
      'x 1\n',
      { format: 'openmetrics' },
      1,
      'does not end with "# EOF"',
    ],
    ['a NaN OpenMetrics timestamp', 'x 1 NaN\n# EOF\n', {}, 1, 'expected seconds since the epoch'],
    [
      'an HTML error page',
      '<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n',
      {},
      1,
      'expected a metric name',
    ],
    ['a bad line counted after CRLF lines', 'a 1\r\nb 2\r\nc{\r\n', {}, 3, 'label set not closed'],
    [
      'a bad selected line in selective mode',
      'a 1\nb{ 2\n',
      { names: new Set(['b']) },
      2,
      'expected a label name',
    ],
  ])('rejects %s', (_name, text, options, line, reason) => {
    // Act
    const error = parseError(text, options);

    // Assert
    expect(error.line).toBe(line);
    expect(error.reason).toContain(reason);
    expect(error.message).toContain(`line ${line}`);
  });

  it('reports the column of the problem', () => {
    // Act
    const error = parseError('x{a="1"} 1 zz\n');

    // Assert
    expect(error.column).toBe(12);
  });

  it('keeps the message short for a huge garbage line', () => {
    // Act
    const error = parseError(`x ${'9'.repeat(5)}${'z'.repeat(1_000_000)}\n`);

    // Assert
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('parsePrometheus: selective mode (names)', () => {
  const page = [
    '# HELP a A.',
    '# TYPE a gauge',
    'a{x="1"} 1',
    'a_total 5',
    'b{y="2"} 2',
    'broken{ this line is not checked',
    '{"c.d", z="3"} 3',
    '',
  ].join('\n');

  it.each<[string, string[], string[]]>([
    ['one name', ['a'], ['a']],
    ['several names', ['a', 'b'], ['a', 'b']],
    ['a quoted name', ['c.d'], ['c.d']],
    ['a name that is a prefix of others only', ['a_'], []],
    ['no name', [], []],
  ])('keeps only the samples of %s', (_name, names, expected) => {
    // Act
    const samples = parsePrometheus(page, { names: new Set(names) });

    // Assert
    expect(samples.map((s) => s.name)).toEqual(expected);
  });

  it('gives the same samples as a full parse filtered by name', () => {
    // Arrange
    const text = fixture('node_exporter.txt');
    const names = new Set(['node_cpu_seconds_total', 'node_load1', 'go_gc_duration_seconds']);

    // Act
    const selective = parsePrometheus(text, { names });

    // Assert
    expect(selective).toEqual(parsePrometheus(text).filter((s) => names.has(s.name)));
    expect(selective.length).toBeGreaterThan(3);
  });

  it('skips metadata', () => {
    // Act
    const page = parsePrometheusPage('# TYPE a gauge\na 1\n', { names: new Set(['a']) });

    // Assert
    expect(page.metadata.size).toBe(0);
  });
});

describe('parsePrometheus: captured and realistic pages', () => {
  it.each<[string, number, number]>([
    ['node_exporter.txt', 507, 283],
    ['alertmanager.txt', 242, 75],
    ['blackbox_exporter.txt', 48, 40],
    ['blackbox_probe.txt', 17, 13],
    ['java_simpleclient.txt', 59, 19],
    ['python_client.txt', 70, 19],
  ])('reads %s exactly as the line-by-line oracle does', (file, sampleCount, familyCount) => {
    // Arrange
    const text = fixture(file);

    // Act
    const page = parsePrometheusPage(text);

    // Assert
    expect(page.format).toBe('prometheus');
    expect(page.samples).toEqual(oracle(text));
    expect(page.samples).toHaveLength(sampleCount);
    expect(page.metadata.size).toBe(familyCount);
  });

  it.each<[string, string, Record<string, string>, number]>([
    ['node_exporter.txt', 'node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, 362.78],
    ['node_exporter.txt', 'node_network_up', { device: 'eth0' }, 1],
    ['alertmanager.txt', 'go_gc_duration_seconds', { quantile: '0.25' }, 8.2265e-5],
    [
      'alertmanager.txt',
      'alertmanager_build_info',
      {
        branch: 'debian/sid',
        goarch: 'amd64',
        goos: 'linux',
        goversion: 'go1.19.8',
        revision: '0.25.0-1+b4',
        version: '0.25.0',
      },
      1,
    ],
    ['java_simpleclient.txt', 'jvm_memory_pool_bytes_used', { pool: "CodeHeap 'non-nmethods'" }, 1398272],
    [
      'java_simpleclient.txt',
      'http_server_requests_total',
      { method: 'GET', route: 'C:\\reports\\"Q4"', status: '500' },
      1,
    ],
    ['java_simpleclient.txt', 'cache_hit_ratio', { cache: 'customers' }, Number.POSITIVE_INFINITY],
    ['python_client.txt', 'http_requests_created', { method: 'GET', path: '/' }, 1795309471.9586306],
    ['python_client.txt', 'job_queue_depth', { queue: 'line\nbreak' }, Number.POSITIVE_INFINITY],
    ['python_client.txt', 'job_queue_depth', { queue: 'reports "daily"' }, Number.NaN],
  ])('finds in %s the sample %s%j', (file, name, labels, value) => {
    // Act
    const samples = parsePrometheus(fixture(file));

    // Assert
    expect(samples).toContainEqual({ name, labels, value });
  });

  it('reads the Java page timestamp in milliseconds', () => {
    // Act
    const samples = parsePrometheus(fixture('java_simpleclient.txt'));

    // Assert
    expect(samples.find((s) => s.name === 'batch_last_success_timestamp_seconds')).toEqual({
      name: 'batch_last_success_timestamp_seconds',
      labels: { job: 'nightly-export' },
      value: 1700002800,
      timestampMs: 1700002801234,
    });
  });

  it('reads the HELP escapes of the Java page', () => {
    // Act
    const page = parsePrometheusPage(fixture('java_simpleclient.txt'));

    // Assert
    expect(page.metadata.get('http_server_requests_total')?.help).toBe(
      'Requests served, by route.\nA route is the matched path template, e.g. /orders/{id}.',
    );
  });

  it('keeps every histogram consistent: the +Inf bucket equals _count', () => {
    // Arrange
    const samples = ['alertmanager.txt', 'java_simpleclient.txt', 'python_client.txt'].flatMap((file) =>
      parsePrometheus(fixture(file)),
    );
    const infBuckets = samples.filter((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf');

    // Act
    const mismatched = infBuckets.filter((bucket) => {
      const { le: _le, ...series } = bucket.labels;
      const count = samples.find(
        (s) =>
          s.name === bucket.name.replace(/_bucket$/, '_count') &&
          JSON.stringify(s.labels) === JSON.stringify(series),
      );
      return count?.value !== bucket.value;
    });

    // Assert
    expect(infBuckets.length).toBeGreaterThan(3);
    expect(mismatched).toEqual([]);
  });

  it('reads the Python OpenMetrics page with exemplars, units, info and stateset', () => {
    // Act
    const page = parsePrometheusPage(fixture('python_client.openmetrics.txt'));

    // Assert
    expect(page.format).toBe('openmetrics');
    expect(page.samples).toHaveLength(70);
    expect(page.samples).toContainEqual({
      name: 'http_request_duration_seconds_bucket',
      labels: { le: '0.005', method: 'GET' },
      value: 1,
    });
    expect(page.samples).toContainEqual({
      name: 'worker_state',
      labels: { worker_state: 'running' },
      value: 1,
    });
    expect(page.metadata.get('payload_size_bytes')).toEqual({
      type: 'summary',
      unit: 'bytes',
      help: 'Request payload size',
    });
    expect(page.metadata.get('build')?.type).toBe('info');
  });

  it('gives the same samples for the OpenMetrics and the 0.0.4 page of the same registry', () => {
    // Arrange
    const key = (s: Sample) => `${s.name}${JSON.stringify(s.labels)}`;
    const openMetrics = new Set(parsePrometheus(fixture('python_client.openmetrics.txt')).map(key));
    const classic = parsePrometheus(fixture('python_client.txt')).map(key);

    // Act
    const onlyClassic = classic.filter((k) => !openMetrics.has(k));

    // Assert: the 0.0.4 page names the info and enum metrics differently, everything else is shared.
    expect(onlyClassic.every((k) => k.startsWith('build_info') || k.startsWith('worker_state'))).toBe(true);
  });

  it.each<[string, (text: string) => string]>([
    ['CRLF line endings', (text) => text.replaceAll('\n', '\r\n')],
    ['no trailing newline', (text) => text.trimEnd()],
    ['blank lines between families', (text) => text.replaceAll('\n# HELP', '\n\n# HELP')],
  ])('reads the node_exporter page the same with %s', (_name, transform) => {
    // Arrange
    const text = fixture('node_exporter.txt');

    // Act
    const samples = parsePrometheus(transform(text));

    // Assert
    expect(samples).toEqual(parsePrometheus(text));
  });
});
