/**
 * Generated garbage for both parsers: seeded (so a failure replays), mutations of real pages and queries plus
 * random bytes. Every input must end in a value or the parser's own error, never another exception.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusParseError, parsePrometheus, type Sample } from '../../../functions/prometheus/parse';
import { evaluate, PromqlSyntaxError, parseQuery } from '../../../functions/prometheus/promql';

const FIXTURES = join(__dirname, '../../fixtures/prometheus');
const PAGES = [
  'node_exporter.txt',
  'java_simpleclient.txt',
  'python_client.openmetrics.txt',
  'blackbox_probe.txt',
].map((file) => readFileSync(join(FIXTURES, file), 'utf8'));
const MUTATIONS_PER_SEED = 150;
const SEEDS = [1, 2, 3, 42, 1337];

/** mulberry32: tiny, seedable, good enough to pick mutations. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGE_TOKENS = [
  '{',
  '}',
  '"',
  '\\',
  '=',
  ',',
  '#',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  'NaN',
  '+Inf',
  '-Inf',
  '1e308',
  '1e999',
  '# EOF\n',
  '# TYPE x ',
  '# HELP ',
  '# UNIT ',
  ' # {a="b"} 1 ',
  '\u0000',
  '\uffff',
  '\ud800',
  '🚀',
  'é',
  '<html>',
  '0x1p3',
  '.',
  '-',
  '__name__',
  '__proto__',
  '"="',
  '{"a.b"}',
  '""',
  '\\"',
  ' 1700000000000',
];

function mutate(text: string, next: () => number, tokens: readonly string[]): string {
  let out = text;
  const operations = 1 + Math.floor(next() * 8);
  for (let i = 0; i < operations; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const length = Math.floor(next() * 24);
    switch (Math.floor(next() * 6)) {
      case 0:
        out = out.slice(0, at) + tokens[Math.floor(next() * tokens.length)]! + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + length);
        break;
      case 2:
        out = out.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x10000)) + out.slice(at + 1);
        break;
      case 3:
        out = out.slice(0, at) + out.slice(at, at + length).repeat(2) + out.slice(at + length);
        break;
      case 4:
        out = out.slice(0, at);
        break;
      default: {
        const lines = out.split('\n');
        const a = Math.floor(next() * lines.length);
        const b = Math.floor(next() * lines.length);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        out = lines.join('\n');
      }
    }
  }
  return out;
}

function randomBytes(next: () => number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = next() < 0.05 ? 10 : Math.floor(next() * 256);
  return bytes;
}

type Outcome = { ok: true; samples: Sample[] } | { ok: false; error: PrometheusParseError };

function parseOutcome(text: string, names?: ReadonlySet<string>): Outcome {
  try {
    return { ok: true, samples: parsePrometheus(text, names === undefined ? {} : { names }) };
  } catch (error) {
    if (error instanceof PrometheusParseError) return { ok: false, error };
    throw new Error(`not a PrometheusParseError for input ${JSON.stringify(text.slice(0, 200))}: ${error}`);
  }
}

function checkPageOutcome(text: string): void {
  const outcome = parseOutcome(text);
  if (!outcome.ok) {
    const lines = text.split('\n').length;
    expect(outcome.error.line).toBeGreaterThanOrEqual(1);
    expect(outcome.error.line).toBeLessThanOrEqual(lines + 1);
    expect(outcome.error.column).toBeGreaterThanOrEqual(1);
    return;
  }
  // Plain checks first and one assertion each: expect() per sample is too slow for a million samples.
  const malformed = outcome.samples.filter(
    (sample) =>
      typeof sample.name !== 'string' ||
      sample.name === '' ||
      typeof sample.value !== 'number' ||
      !Object.values(sample.labels).every((value) => typeof value === 'string') ||
      (sample.timestampMs !== undefined && !Number.isInteger(sample.timestampMs)),
  );
  expect(malformed).toEqual([]);
  // Selective mode must agree with a full parse filtered by name whenever the full parse succeeds.
  const names = new Set(outcome.samples.filter((_, index) => index % 3 === 0).map((s) => s.name));
  const selective = parseOutcome(text, names);
  expect(selective.ok).toBe(true);
  const expected = outcome.samples.filter((s) => names.has(s.name));
  const actual = selective.ok ? selective.samples : [];
  expect(actual.length).toBe(expected.length);
  expect(actual.filter((sample, index) => !sameSample(sample, expected[index]!))).toEqual([]);
}

function sameSample(a: Sample, b: Sample): boolean {
  const aLabels = Object.entries(a.labels);
  return (
    a.name === b.name &&
    Object.is(a.value, b.value) &&
    a.timestampMs === b.timestampMs &&
    aLabels.length === Object.keys(b.labels).length &&
    aLabels.every(([name, value]) => Object.hasOwn(b.labels, name) && b.labels[name] === value)
  );
}

describe('parsePrometheus fuzz', () => {
  it.each(SEEDS)('ends mutated real pages in samples or PrometheusParseError (seed %i)', (seed) => {
    // Arrange
    const next = random(seed);

    for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
      // Act
      const page = PAGES[i % PAGES.length]!;
      const text = mutate(page, next, PAGE_TOKENS);

      // Assert
      checkPageOutcome(text);
    }
  });

  it.each(SEEDS)('ends random bytes in samples or PrometheusParseError (seed %i)', (seed) => {
    // Arrange
    const next = random(seed);

    for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
      // Act
      const bytes = randomBytes(next, Math.floor(next() * 2048));
      const text = i % 2 === 0 ? bytes.toString('utf8') : bytes.toString('latin1');

      // Assert
      checkPageOutcome(text);
    }
  });

  it.each<[string, string]>([
    [
      'one 4 MB label set of distinct labels',
      `x{${Array.from({ length: 200_000 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`,
    ],
    ['an unclosed 2 MB label value', `x{a="${'v'.repeat(2_000_000)}\n`],
    ['2 MB of opening braces', '{'.repeat(2_000_000)],
    ['2 MB of quotes', '"'.repeat(2_000_000)],
    ['2 MB of backslashes in a value', `x{a="${'\\'.repeat(2_000_000)}`],
    ['a million blank lines', '\n'.repeat(1_000_000)],
    ['200,000 tiny samples', 'a 1\n'.repeat(200_000)],
  ])('finishes on %s', (_name, text) => {
    // Act and Assert
    checkPageOutcome(text);
  });
});

const QUERIES = [
  'up',
  'node_cpu_seconds_total{mode!="idle", cpu=~"0|1"}',
  'sum by (mode) (node_cpu_seconds_total)',
  "max(node_filesystem_avail_bytes{fstype!~'tmpfs|overlay'}) without (device)",
  'count({__name__=~"node_network_.+"})',
  '{"my.metric", "a.b"=`x`}',
];
const QUERY_TOKENS = [
  '(',
  ')',
  '{',
  '}',
  '[5m]',
  ',',
  '=',
  '!',
  '~',
  '"',
  "'",
  '`',
  '\\',
  'by',
  'without',
  'sum',
  'offset 5m',
  '@',
  '+',
  '0x1',
  ' ',
  '\n',
  '#',
  '.*',
  '(?i)',
  '\\x4',
  '\\u12',
  'rate(',
  '__name__',
  '\ud800',
];

describe('parseQuery fuzz', () => {
  const samples = parsePrometheus(PAGES[0]!);

  it.each(SEEDS)('ends mutated queries in a query or PromqlSyntaxError (seed %i)', (seed) => {
    // Arrange
    const next = random(seed);

    for (let i = 0; i < MUTATIONS_PER_SEED * 4; i++) {
      const source = mutate(QUERIES[i % QUERIES.length]!, next, QUERY_TOKENS);

      // Act
      let result: ReturnType<typeof evaluate> | PromqlSyntaxError;
      try {
        result = evaluate(parseQuery(source), samples);
      } catch (error) {
        if (!(error instanceof PromqlSyntaxError)) {
          throw new Error(`not a PromqlSyntaxError for ${JSON.stringify(source)}: ${error}`);
        }
        result = error;
      }

      // Assert
      if (result instanceof PromqlSyntaxError) {
        expect(result.position).toBeGreaterThanOrEqual(0);
        expect(result.position).toBeLessThanOrEqual(source.length);
      } else {
        expect(result.series.length).toBeLessThanOrEqual(50);
        expect(result.truncated).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
