/**
 * Generated garbage for the PromQL parser: seeded mutations of real rule expressions and pathological inputs.
 * Every input ends in an AST or a PromqlError with a position inside the input, quickly; whatever parses also
 * prints back to text that parses to the same tree, and evaluates against a node_exporter page without any
 * error but a PromqlError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheus } from '../../../functions/prometheus/parse';
import {
  type Expr,
  evaluateInstant,
  formatPromql,
  memorySource,
  PromqlError,
  parsePromql,
  type SeriesSamples,
} from '../../../functions/promql';
import { mutate, random } from '../../helpers/fuzz';

const SEEDS = [1, 2, 3, 42, 1337];
const MUTATIONS_PER_SEED = 600;
const AT = 1_700_000_000_000;

const QUERIES = [
  'rate(mall_go_http_requests_total[5m]) > 1000',
  'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.01',
  '(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)) > 0.8',
  'up == 0',
  "max(node_filesystem_avail_bytes{fstype!~'tmpfs|overlay'}) without (device)",
  'topk(3, count by (mode) ({__name__=~"node_cpu.+"})) or on() vector(0)',
  'label_replace(up, "host", "$1", "instance", "(.*):.*") offset 5m',
  '-2 ^ 0x1F % 1e3 unless bool {"my.metric", "a.b"=`x`}',
];
const TOKENS = [
  '(',
  ')',
  '{',
  '}',
  '[5m]',
  '[5m:1m]',
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
  'on',
  'ignoring',
  'group_left',
  'bool',
  'offset 5m',
  'offset -1m',
  '@',
  '+',
  '-',
  '^',
  '0x1',
  '1e400',
  'Inf',
  'NaN',
  ' ',
  '\n',
  '#',
  '.*',
  '(?i)',
  '\\x4',
  '\\u12',
  'rate(',
  'absent(',
  '__name__',
  '\ud800',
  '🚀',
  'and',
  'or',
  '>',
  '==',
];

const page = parsePrometheus(
  readFileSync(join(__dirname, '../../fixtures/prometheus/node_exporter.txt'), 'utf8'),
);
const SOURCE = memorySource(
  page.map(
    (sample): SeriesSamples => ({
      labels: { ...sample.labels, __name__: sample.name },
      samples: [{ t: AT, v: sample.value }],
    }),
  ),
);

function strip(expr: Expr): unknown {
  return JSON.parse(JSON.stringify(expr, (key, value) => (key === 'pos' ? undefined : value)));
}

function outcome(source: string): Expr | PromqlError {
  try {
    return parsePromql(source);
  } catch (error) {
    if (error instanceof PromqlError) return error;
    throw new Error(`not a PromqlError for ${JSON.stringify(source)}: ${error}`);
  }
}

function check(source: string): void {
  const result = outcome(source);
  if (result instanceof PromqlError) {
    if (result.position < 0 || result.position > source.length) {
      throw new Error(`position ${result.position} outside ${JSON.stringify(source)}`);
    }
    return;
  }
  const text = formatPromql(result);
  const again = outcome(text);
  if (again instanceof PromqlError || JSON.stringify(strip(again)) !== JSON.stringify(strip(result))) {
    throw new Error(
      `${JSON.stringify(source)} printed as ${JSON.stringify(text)}, which does not parse back the same`,
    );
  }
  try {
    evaluateInstant(result, SOURCE, AT);
  } catch (error) {
    if (!(error instanceof PromqlError)) throw new Error(`evaluating ${JSON.stringify(source)}: ${error}`);
  }
}

describe('parsePromql fuzz', () => {
  it.each(SEEDS)('ends mutated rule expressions in an AST or a PromqlError (seed %i)', (seed) => {
    // Arrange
    const next = random(seed);
    let parsed = 0;

    for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
      // Act
      const source = mutate(QUERIES[i % QUERIES.length]!, next, TOKENS);

      // Assert
      check(source);
      if (!(outcome(source) instanceof PromqlError)) parsed++;
    }
    // Some mutations must survive, or the round-trip and evaluation checks test nothing.
    expect(parsed).toBeGreaterThan(MUTATIONS_PER_SEED / 20);
  });

  it.each<[string, string]>([
    ['20k opening parentheses', '('.repeat(20_000)],
    ['20k unary minuses', '-'.repeat(20_000)],
    ['a 20k-term sum', Array.from({ length: 20_000 }, () => 'a').join('+')],
    ['an unclosed 200 kB string', `x{a="${'v'.repeat(200_000)}`],
    ['a 200 kB label value', `x{a="${'v'.repeat(200_000)}"}`],
    ['200 kB of backslashes', `x{a="${'\\'.repeat(200_000)}"}`],
    ['20k matchers', `x{${Array.from({ length: 20_000 }, (_, i) => `l${i}="v"`).join(',')}}`],
    ['a 200 kB number', '1'.repeat(200_000)],
    ['a 200 kB duration', `x[${'1'.repeat(200_000)}m]`],
    ['a 200 kB comment', `up # ${'x'.repeat(200_000)}`],
    ['20k commas in a call', `abs(${','.repeat(20_000)})`],
  ])('finishes quickly on %s', (_name, source) => {
    // Arrange
    const started = performance.now();

    // Act
    check(source);

    // Assert: linear work takes tens of milliseconds here; a quadratic step would take minutes. The bound
    // leaves room for a loaded CI machine.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
