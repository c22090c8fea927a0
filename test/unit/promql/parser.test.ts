import {
  type Expr,
  evaluateInstant,
  formatPromql,
  memorySource,
  PromqlError,
  parsePromql,
} from '../../../functions/promql';

function parseError(source: string): PromqlError {
  try {
    parsePromql(source);
  } catch (error) {
    if (error instanceof PromqlError) return error;
    throw error;
  }
  throw new Error(`expected a PromqlError, ${JSON.stringify(source)} parsed`);
}

/** Strips positions so trees compare by shape. */
function shape(expr: Expr): unknown {
  return JSON.parse(JSON.stringify(expr, (key, value) => (key === 'pos' ? undefined : value)));
}

const EMPTY = memorySource([]);

function scalarValue(source: string): number {
  const result = evaluateInstant(parsePromql(source), EMPTY, 0);
  if (result.type !== 'scalar') throw new Error(`${source} is not a scalar`);
  return result.value;
}

describe('parsePromql: selectors', () => {
  it.each<[string, string, unknown]>([
    [
      'a bare name',
      'up',
      { kind: 'selector', name: 'up', matchers: [{ label: '__name__', op: '=', value: 'up' }], offsetMs: 0 },
    ],
    [
      'a name with colons',
      'job:rpc:rate5m',
      {
        kind: 'selector',
        name: 'job:rpc:rate5m',
        matchers: [{ label: '__name__', op: '=', value: 'job:rpc:rate5m' }],
        offsetMs: 0,
      },
    ],
    [
      'every matcher type, name last as Prometheus appends it',
      'http{l="v", l2!="v", l3=~"re", l4!~"re",}',
      {
        kind: 'selector',
        name: 'http',
        matchers: [
          { label: 'l', op: '=', value: 'v' },
          { label: 'l2', op: '!=', value: 'v' },
          { label: 'l3', op: '=~', value: 're' },
          { label: 'l4', op: '!~', value: 're' },
          { label: '__name__', op: '=', value: 'http' },
        ],
        offsetMs: 0,
      },
    ],
    [
      '__name__ regex only',
      '{__name__=~"x|y"}',
      { kind: 'selector', matchers: [{ label: '__name__', op: '=~', value: 'x|y' }], offsetMs: 0 },
    ],
    [
      'Go escapes in strings',
      'up{a="q\\"\\\\\\n\\x41\\u00e9\\U0001F680\\101", b=\'it\\\'s\', c=`C:\\temp`}',
      {
        kind: 'selector',
        name: 'up',
        matchers: [
          { label: 'a', op: '=', value: 'q"\\\nAé🚀A' },
          { label: 'b', op: '=', value: "it's" },
          { label: 'c', op: '=', value: 'C:\\temp' },
          { label: '__name__', op: '=', value: 'up' },
        ],
        offsetMs: 0,
      },
    ],
    [
      'a Prometheus 3 quoted metric and label name',
      '{"my.metric", "a.b"="x"}',
      {
        kind: 'selector',
        name: 'my.metric',
        matchers: [
          { label: 'a.b', op: '=', value: 'x' },
          { label: '__name__', op: '=', value: 'my.metric' },
        ],
        offsetMs: 0,
      },
    ],
    [
      'keywords as metric names',
      'by',
      { kind: 'selector', name: 'by', matchers: [{ label: '__name__', op: '=', value: 'by' }], offsetMs: 0 },
    ],
    [
      'an offset',
      'up offset 30m',
      {
        kind: 'selector',
        name: 'up',
        matchers: [{ label: '__name__', op: '=', value: 'up' }],
        offsetMs: 1_800_000,
      },
    ],
    [
      'a range with an offset after it',
      'rate(up[5m] offset 1m30s)',
      {
        kind: 'call',
        func: 'rate',
        args: [
          {
            kind: 'range',
            selector: {
              kind: 'selector',
              name: 'up',
              matchers: [{ label: '__name__', op: '=', value: 'up' }],
              offsetMs: 90_000,
            },
            rangeMs: 300_000,
          },
        ],
      },
    ],
    [
      'a comment and whitespace',
      ' up # the targets\n',
      { kind: 'selector', name: 'up', matchers: [{ label: '__name__', op: '=', value: 'up' }], offsetMs: 0 },
    ],
  ])('parses %s', (_name, source, expected) => {
    // Act
    const expr = parsePromql(source);

    // Assert
    expect(shape(expr)).toEqual(expected);
  });
});

describe('parsePromql: aggregations and calls', () => {
  it.each<[string, string, string]>([
    ['grouping before the argument', 'sum by (job) (up)', 'sum by (job) (up)'],
    ['grouping after the argument', 'sum(up) by (job)', 'sum by (job) (up)'],
    ['without', 'max without (instance,) (up)', 'max without (instance) (up)'],
    ['an empty by', 'sum by () (up)', 'sum by () (up)'],
    ['upper-case keywords', 'SUM BY (job) (up)', 'sum by (job) (up)'],
    ['keywords as grouping labels', 'sum without (and, by, on) (up)', 'sum without (and, by, on) (up)'],
    ['a quoted grouping label', 'sum by ("a.b") (up)', 'sum by ("a.b") (up)'],
    ['a parameter', 'topk(3, up)', 'topk(3, up)'],
    ['quantile with by', 'quantile by (job) (0.9, up)', 'quantile by (job) (0.9, up)'],
    ['nested calls', 'sum(rate(x[5m]))', 'sum(rate(x[5m]))'],
    ['an optional argument', 'round(up)', 'round(up)'],
    [
      'label_replace',
      'label_replace(up, "h", "$1", "instance", "(.*):.*")',
      'label_replace(up, "h", "$1", "instance", "(.*):.*")',
    ],
    ['a function with no arguments', 'time()', 'time()'],
  ])('parses %s', (_name, source, canonical) => {
    // Act
    const text = formatPromql(parsePromql(source));

    // Assert
    expect(text).toBe(canonical);
  });
});

describe('parsePromql: precedence and numbers, evaluated', () => {
  it.each<[string, number]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['2 ^ -1', 0.5],
    ['2 ^ -1 * 4', 2],
    ['-1 * 3 + 1', -2],
    ['10 - 2 - 3', 5],
    ['12 / 3 / 2', 2],
    ['7 % 4 * 2', 6],
    ['1 + 2 > bool 2', 1],
    ['1 < bool 2 == bool 1', 1],
    ['0x1F', 31],
    ['0755', 493],
    ['08', 8],
    ['1e3', 1000],
    ['.5', 0.5],
    ['1.', 1],
    ['Inf', Number.POSITIVE_INFINITY],
    ['-inf', Number.NEGATIVE_INFINITY],
    ['NaN', Number.NaN],
    ['+5', 5],
    ['- - 5', 5],
    ['99999999999999999999', 1e20],
  ])('%s = %p', (source, expected) => {
    // Act
    const value = scalarValue(source);

    // Assert
    expect(value).toBe(expected);
  });
});

describe('parsePromql: rejected', () => {
  it.each<[string, string, number, string]>([
    ['an empty query', '', 0, 'no expression found in input'],
    ['an unclosed call', 'sum(up', 6, 'unclosed left parenthesis'],
    ['a stray closing parenthesis', 'up)', 2, 'unexpected right parenthesis'],
    ['an unknown function', 'foo(up)', 0, 'unknown function with name "foo"'],
    [
      'a wrong argument type',
      'rate(up)',
      5,
      'expected type range vector in call to function "rate", got instant vector',
    ],
    ['too many arguments', 'abs(up, up)', 0, 'expected 1 argument(s) in call to "abs", got 2'],
    ['a trailing comma in a call', 'rate(up[5m],)', 11, 'trailing commas not allowed'],
    ['a range on a non-selector', '(up)[5m]', 4, 'ranges only allowed for vector selectors'],
    ['an offset before a range', 'up offset 5m [5m]', 13, 'no offset modifiers allowed before range'],
    ['an offset on an aggregation', 'sum(up) offset 5m', 8, 'offset modifier must be preceded by'],
    ['two offsets', 'up offset 5m offset 1m', 13, 'offset may not be set multiple times'],
    ['a range without a unit', 'up[5]', 3, 'missing unit character in duration'],
    ['a zero range', 'up[0s]', 3, 'duration must be greater than 0'],
    ['units out of order', 'up[5m1h]', 3, 'not a valid duration string'],
    ['a scalar comparison without bool', '1 > 2', 2, 'comparisons between scalars must use BOOL modifier'],
    ['bool on arithmetic', 'up + bool 1', 3, 'bool modifier can only be used on comparison operators'],
    ['matching with a scalar', 'up + on(job) 1', 3, 'vector matching only allowed between instant vectors'],
    [
      'a set operator with a scalar',
      'up and 1',
      3,
      'set operator "and" not allowed in binary scalar expression',
    ],
    ['a string operand', '"a" + 1', 0, 'binary expression must contain only scalar and instant vector types'],
    [
      'a matrix operand',
      'up[5m] * 2',
      0,
      'binary expression must contain only scalar and instant vector types',
    ],
    ['aggregation argument count', 'topk(up)', 0, 'expected 2, got 1'],
    [
      'an aggregation of a scalar',
      'sum(1)',
      4,
      'expected type instant vector in aggregation expression, got scalar',
    ],
    ['two grouping clauses', 'sum by (a) (up) by (b)', 16, 'unexpected "by"'],
    ['a colon in a grouping label', 'sum by (a:b) (up)', 8, 'expected a label name'],
    ['a selector matching everything', '{a=~".*"}', 0, 'at least one non-empty matcher'],
    ['empty braces', '{}', 0, 'at least one non-empty matcher'],
    ['a name set twice', 'up{__name__="x"}', 0, 'metric name must not be set twice'],
    ['an unclosed selector', 'up{a="1"', 8, 'unexpected end of input inside braces'],
    ['a missing matcher value', 'up{a=}', 5, 'expected a string'],
    ['a double equals matcher', 'up{a=="1"}', 5, 'expected a string'],
    ['an unclosed string', 'up{a="1}', 5, 'unterminated quoted string'],
    ['an unknown escape', 'up{a="\\q"}', 6, 'unknown escape sequence \\q'],
    ['a short hex escape', 'up{a="\\x4"}', 6, 'illegal character'],
    ['a surrogate escape', 'up{a="\\ud800"}', 6, 'invalid Unicode code point'],
    ['an octal escape above 255', 'up{a="\\400"}', 6, 'invalid Unicode code point'],
    ['an invalid regex', 'up{a=~"("}', 6, 'invalid regular expression "("'],
    ['a regex escaping its anchors', 'up{a=~"a)|(b"}', 6, 'invalid regular expression'],
    ['a number with underscores', '1_000', 0, 'bad number or duration syntax'],
    ['a number that overflows', '1e400', 0, 'error parsing number'],
    ['a hex float without exponent', '0x1.8', 0, 'error parsing number'],
    ['text after the expression', 'up down', 3, 'unexpected "down"'],
    ['a bare duration', '5m', 0, 'unexpected "5m"'],
    [
      'a label_replace with a bad regex',
      'label_replace(up, "a", "b", "c", "(")',
      33,
      'invalid regular expression in label_replace()',
    ],
    ['a keyword that cannot be a metric', 'on', 0, 'unexpected "on"'],
  ])('rejects %s', (_name, source, position, reason) => {
    // Act
    const error = parseError(source);

    // Assert
    expect(error.position).toBe(position);
    expect(error.reason).toContain(reason);
    expect(error.message).toBe(`position ${position}: ${error.reason}`);
    expect(error.unsupported).toBeUndefined();
  });

  it.each<[string, number, string, string]>([
    ['rate(http[5m:1m])', 9, 'subqueries', 'subqueries ("[5m:1m]") are not supported'],
    ['sum(rate(x[5m])) [30m:]', 17, 'subqueries', 'subqueries ("[30m:]") are not supported'],
    ['up @ 1700000000', 3, '@ modifiers', '@ modifiers ("@ 1700000000") are not supported'],
    ['up @ start()', 3, '@ modifiers', '@ modifiers ("@ start()") are not supported'],
    ['predict_linear(x[1h], 3600) < 0', 0, 'the function predict_linear()', 'calls to predict_linear()'],
    ['hour() > 8', 0, 'the function hour()', 'calls to hour()'],
    ['a / on(job) group_left(x) b', 12, 'group_left/group_right matching', 'group_left and group_right'],
    ['a * ignoring(x) group_right b', 16, 'group_left/group_right matching', 'group_left and group_right'],
    ['count_values("v", up)', 0, 'the count_values aggregation', 'count_values aggregations'],
    ['limitk(2, up)', 0, 'the limitk aggregation', 'limitk aggregations'],
    ['up atan2 up', 3, 'the atan2 operator', 'atan2 operations'],
    ['up offset -5m', 3, 'negative offsets', 'negative offsets ("offset -5m")'],
    ['rate(x[2h])', 5, 'windows over 1h', "reaches back 2h, over vigil's limit of 1h (MAX_HISTORY_MS)"],
    ['rate(x[50m] offset 20m)', 5, 'windows over 1h', 'reaches back 1h10m'],
    ['up offset 61m', 0, 'windows over 1h', 'reaches back 1h1m'],
    ['"text"', 0, 'string results', 'string results ("\\"text\\"") are not supported'],
    ['up[5m]', 0, 'range vector results', 'wrap it in a function such as rate()'],
  ])('names %s as unsupported', (source, position, construct, reason) => {
    // Act
    const error = parseError(source);

    // Assert
    expect(error.unsupported).toBe(construct);
    expect(error.position).toBe(position);
    expect(error.reason).toContain(reason);
  });

  it('accepts a window of exactly MAX_HISTORY_MS', () => {
    // Act and Assert
    expect(() => parsePromql('rate(x[50m] offset 10m)')).not.toThrow();
  });

  it.each([
    ['deep parentheses', `${'('.repeat(600)}1${')'.repeat(600)}`],
    ['a long left-associative chain', Array.from({ length: 600 }, () => 'up').join(' + ')],
    ['a long right-associative chain', Array.from({ length: 600 }, () => '2').join(' ^ ')],
    ['many unary minuses', `${'-'.repeat(600)}up`],
  ])('rejects %s beyond MAX_NESTING_DEPTH instead of overflowing the stack', (_name, source) => {
    // Act
    const error = parseError(source);

    // Assert
    expect(error.reason).toContain('nested deeper than 500 levels');
  });
});

describe('formatPromql', () => {
  it.each([
    'rate(mall_go_http_requests_total[5m]) > 1000',
    'histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))',
    'sum(rate(x{status=~"5.."}[5m])) / sum(rate(x[5m]))',
    '(1 - (a / b)) > 0.8',
    'a / on (instance) b',
    'a > bool ignoring (x, y) b',
    'up == 0 and on () hour_gauge > 8',
    '-(a + b)',
    '- -a',
    '2 ^ 3 ^ 2',
    '(2 ^ 3) ^ 2',
    'a - (b - c)',
    'rate(x[45m] offset 5m)',
    '{"my.metric", "a.b"="x\\ny"}',
    'topk by (job) (3, x)',
    'sum without (instance) (x)',
    'label_replace(up, "h", "$1", "instance", "(.*)")',
    '1e+100 * NaN + Inf - -Inf',
    'x offset 50m',
  ])('round-trips %s', (source) => {
    // Arrange
    const expr = parsePromql(source);

    // Act
    const text = formatPromql(expr);

    // Assert
    expect(shape(parsePromql(text))).toEqual(shape(expr));
    expect(formatPromql(parsePromql(text))).toBe(text);
  });
});
