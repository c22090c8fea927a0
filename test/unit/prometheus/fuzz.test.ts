/**
 * Generated garbage for the exposition parser: seeded (so a failure replays), mutations of real pages plus
 * random bytes. Every input must end in samples or the parser's own error, never another exception.
 * (The PromQL parser's fuzz test is test/unit/promql/fuzz.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusParseError, parsePrometheus, type Sample } from '../../../functions/prometheus/parse';
import { mutate, random } from '../../helpers/fuzz';

const FIXTURES = join(__dirname, '../../fixtures/prometheus');
const PAGES = [
  'node_exporter.txt',
  'java_simpleclient.txt',
  'python_client.openmetrics.txt',
  'blackbox_probe.txt',
].map((file) => readFileSync(join(FIXTURES, file), 'utf8'));
const MUTATIONS_PER_SEED = 150;
const SEEDS = [1, 2, 3, 42, 1337];

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
