import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheus, type Sample } from '../../../functions/prometheus/parse';
import {
  compileMatcherRegex,
  evaluate,
  metricNames,
  PromqlSyntaxError,
  parseQuery,
  type Query,
  type Series,
} from '../../../functions/prometheus/promql';

function syntaxError(source: string): PromqlSyntaxError {
  try {
    parseQuery(source);
  } catch (error) {
    if (error instanceof PromqlSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a PromqlSyntaxError, ${JSON.stringify(source)} parsed`);
}

describe('parseQuery: valid queries', () => {
  it.each<[string, string, Query]>([
    ['a bare name', 'up', { selector: { name: 'up', matchers: [] } }],
    ['a name with colons', 'job:rpc:rate5m', { selector: { name: 'job:rpc:rate5m', matchers: [] } }],
    ['empty braces', 'up{}', { selector: { name: 'up', matchers: [] } }],
    [
      'every matcher type',
      'http{l="v", l2!="v", l3=~"re", l4!~"re"}',
      {
        selector: {
          name: 'http',
          matchers: [
            { label: 'l', op: '=', value: 'v' },
            { label: 'l2', op: '!=', value: 'v' },
            { label: 'l3', op: '=~', value: 're' },
            { label: 'l4', op: '!~', value: 're' },
          ],
        },
      },
    ],
    [
      'a trailing comma',
      'up{a="1",}',
      { selector: { name: 'up', matchers: [{ label: 'a', op: '=', value: '1' }] } },
    ],
    [
      '__name__ equality',
      '{__name__="x"}',
      { selector: { matchers: [{ label: '__name__', op: '=', value: 'x' }] } },
    ],
    [
      '__name__ regex',
      '{__name__=~"x|y"}',
      { selector: { matchers: [{ label: '__name__', op: '=~', value: 'x|y' }] } },
    ],
    [
      'single quotes with escapes',
      "up{a='it\\'s', b='tab\\there'}",
      {
        selector: {
          name: 'up',
          matchers: [
            { label: 'a', op: '=', value: "it's" },
            { label: 'b', op: '=', value: 'tab\there' },
          ],
        },
      },
    ],
    [
      'double quotes with Go escapes',
      'up{a="q\\"\\\\\\n\\x41\\u00e9\\U0001F680\\101"}',
      { selector: { name: 'up', matchers: [{ label: 'a', op: '=', value: 'q"\\\nAé🚀A' }] } },
    ],
    [
      'a raw backtick string',
      'up{path=~`C:\\\\temp\\d+`}',
      { selector: { name: 'up', matchers: [{ label: 'path', op: '=~', value: 'C:\\\\temp\\d+' }] } },
    ],
    [
      'whitespace, newlines and a comment',
      '  sum   by ( job )\n  ( up # the targets\n )  ',
      { selector: { name: 'up', matchers: [] }, aggregation: { op: 'sum', by: ['job'] } },
    ],
    [
      'sum without grouping',
      'sum(up)',
      { selector: { name: 'up', matchers: [] }, aggregation: { op: 'sum' } },
    ],
    [
      'avg by before the argument',
      'avg by (method) (http)',
      { selector: { name: 'http', matchers: [] }, aggregation: { op: 'avg', by: ['method'] } },
    ],
    [
      'min by after the argument',
      'min(http) by (method, code)',
      { selector: { name: 'http', matchers: [] }, aggregation: { op: 'min', by: ['method', 'code'] } },
    ],
    [
      'max without',
      'max without (instance) (http)',
      { selector: { name: 'http', matchers: [] }, aggregation: { op: 'max', without: ['instance'] } },
    ],
    [
      'count without after the argument',
      'count(http{code="500"}) without (instance,)',
      {
        selector: { name: 'http', matchers: [{ label: 'code', op: '=', value: '500' }] },
        aggregation: { op: 'count', without: ['instance'] },
      },
    ],
    [
      'an empty by ()',
      'sum by () (up)',
      { selector: { name: 'up', matchers: [] }, aggregation: { op: 'sum', by: [] } },
    ],
    [
      'upper-case keywords, as PromQL allows',
      'SUM BY (job) (up)',
      { selector: { name: 'up', matchers: [] }, aggregation: { op: 'sum', by: ['job'] } },
    ],
    [
      'a Prometheus 3 quoted metric and label name',
      '{"my.metric", "a.b"="x"}',
      { selector: { name: 'my.metric', matchers: [{ label: 'a.b', op: '=', value: 'x' }] } },
    ],
    [
      'a quoted label in by',
      'sum by ("a.b") ({"my.metric"})',
      { selector: { name: 'my.metric', matchers: [] }, aggregation: { op: 'sum', by: ['a.b'] } },
    ],
    [
      'a label matcher alone that cannot match empty',
      '{job!=""}',
      { selector: { matchers: [{ label: 'job', op: '!=', value: '' }] } },
    ],
    ['a keyword used as a metric name', 'by', { selector: { name: 'by', matchers: [] } }],
  ])('parses %s', (_name, source, expected) => {
    // Act
    const query = parseQuery(source);

    // Assert
    expect(query).toEqual(expected);
  });
});

describe('parseQuery: rejected queries', () => {
  it.each<[string, string, number, string]>([
    ['an empty query', '', 0, 'expected a metric name, "{" or an aggregation'],
    ['a function', 'rate(http[5m])', 0, 'the function "rate()" is not supported'],
    ['a function inside an aggregation', 'sum(rate(http[5m]))', 4, 'the function "rate()" is not supported'],
    ['a range selector', 'http[5m]', 4, 'range selectors such as [5m] are not supported'],
    ['an offset', 'http offset 5m', 5, 'offset modifiers are not supported'],
    ['an @ modifier', 'http @ 1700000000', 5, '@ modifiers are not supported'],
    ['a binary operator', 'http / 2', 5, 'binary operators and arithmetic are not supported'],
    ['a comparison', 'up == 0', 3, 'binary operators and arithmetic are not supported'],
    ['a set operator', 'up and down', 3, 'set operators (and, or, unless) and atan2 are not supported'],
    ['a number', '42', 0, 'number literals are not supported'],
    ['parentheses', '(up)', 0, 'parenthesised expressions are not supported'],
    ['a unary minus', '-up', 0, 'binary operators and arithmetic are not supported'],
    ['topk', 'topk(3, up)', 0, 'the aggregation "topk" is not supported'],
    ['quantile with by', 'quantile by (job) (0.9, up)', 0, 'the aggregation "quantile" is not supported'],
    ['a nested aggregation', 'sum(max(up))', 4, 'nested aggregations are not supported'],
    ['a second argument', 'sum(up, down)', 6, 'extra arguments are not supported'],
    ['an aggregation without parentheses', 'sum up', 4, '"(", "by" or "without" after "sum"'],
    ['an unclosed aggregation', 'sum(up', 6, '")" closing sum('],
    ['two grouping clauses', 'sum by (a) (up) by (b)', 16, 'takes one "by" or "without" clause'],
    ['by without parentheses', 'sum by job (up)', 7, '"(" and a list of labels after "by"'],
    ['a colon in a grouping label', 'sum by (a:b) (up)', 9, '"," or ")" in "by (...)"'],
    ['an unclosed selector', 'up{a="1"', 8, '"," or "}" between matchers'],
    ['a missing matcher value', 'up{a=}', 5, 'a quoted string after a='],
    ['a double equals matcher', 'up{a=="1"}', 4, 'a matcher operator (=, !=, =~ or !~)'],
    ['a missing comma between matchers', 'up{a="1" b="2"}', 9, '"," or "}" between matchers'],
    ['an unclosed string', 'up{a="1}', 5, 'string starting with " is not closed'],
    ['a newline in a string', 'up{a="1\n"}', 5, 'is not closed'],
    ['an unknown escape', 'up{a="\\q"}', 6, 'unknown escape sequence \\q'],
    ['a short hex escape', 'up{a="\\x4"}', 6, 'expected 2 hex digits'],
    ['a surrogate escape', 'up{a="\\ud800"}', 6, 'valid character'],
    ['an octal escape above 255', 'up{a="\\400"}', 6, 'invalid octal escape'],
    ['an invalid regex', 'up{a=~"("}', 6, 'invalid regular expression "("'],
    ['a regex escaping its anchors', 'up{a=~"a)|(b"}', 6, 'invalid regular expression'],
    ['only an empty-matching matcher', '{a=~".*"}', 0, 'a matcher that does not match the empty string'],
    ['empty braces without a name', '{}', 0, 'needs a metric name'],
    ['a name set twice', 'up{__name__="x"}', 3, 'the metric name is given twice'],
    ['a quoted name after a name', 'up{"x"}', 3, 'the metric name is given twice'],
    ['an empty quoted label', 'up{""="x"}', 3, 'empty label name'],
    ['text after the query', 'up down', 3, 'expected the end of the query, found "down"'],
  ])('rejects %s', (_name, source, position, message) => {
    // Act
    const error = syntaxError(source);

    // Assert
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
  });

  it('tells which subset is supported', () => {
    // Act
    const error = syntaxError('rate(http[5m])');

    // Assert
    expect(error.message).toMatch(/vigil supports a selector .* sum, avg, min, max or count/);
  });
});

describe('compileMatcherRegex', () => {
  it.each<[string, string, string, boolean]>([
    ['is anchored at the start', 'b', 'ab', false],
    ['is anchored at the end', 'a', 'ab', false],
    ['anchors every alternative', 'a|b', 'ab', false],
    ['matches an alternative', 'GET|POST', 'POST', true],
    ['translates RE2 (?i)', '(?i)get', 'GET', true],
    ['translates RE2 named groups', '(?P<x>a+)', 'aaa', true],
    ['accepts RE2 identity escapes', 'a\\-b', 'a-b', true],
    ['matches code points, not UTF-16 units', '.', '🚀', true],
  ])('%s', (_name, pattern, value, expected) => {
    // Act
    const matched = compileMatcherRegex(pattern).test(value);

    // Assert
    expect(matched).toBe(expected);
  });
});

describe('metricNames', () => {
  it.each<[string, string, string[] | undefined]>([
    ['a bare name', 'up', ['up']],
    ['a name inside an aggregation', 'sum by (job) (http{code="500"})', ['http']],
    ['__name__ equality', '{__name__="x"}', ['x']],
    ['a __name__ alternation of literal names', '{__name__=~"x|y"}', ['x', 'y']],
    ['a __name__ regex', '{__name__=~"node_.+"}', undefined],
    ['a case-insensitive __name__ regex', '{__name__=~"(?i)up"}', undefined],
    ['a __name__ negation', '{__name__!="x", job="a"}', undefined],
    ['only a label matcher', '{job="a"}', undefined],
    ['two __name__ matchers, intersected', '{__name__=~"x|y", __name__="y"}', ['y']],
    ['a quoted name', '{"my.metric"}', ['my.metric']],
  ])('gives the names of %s', (_name, source, expected) => {
    // Act
    const names = metricNames(parseQuery(source));

    // Assert
    expect(names === undefined ? undefined : [...names].sort()).toEqual(expected);
  });
});

const PAGE = `
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200",instance="a"} 10
http_requests_total{method="GET",code="500",instance="a"} 1
http_requests_total{method="POST",code="200",instance="a"} 4
http_requests_total{method="GET",code="200",instance="b"} 20
http_requests_total{method="POST",code="201",instance="b",empty=""} 6
# TYPE temperature gauge
temperature{room="kitchen"} 21.5
temperature{room="cellar"} NaN
temperature{room="attic"} 30
# TYPE other gauge
other{method="GET"} 100
`;
const SAMPLES = parsePrometheus(PAGE);

describe('evaluate', () => {
  it.each<[string, string, Series[]]>([
    [
      'a bare selector, every series with its labels, sorted',
      'http_requests_total{code="200"}',
      [
        { labels: { code: '200', instance: 'a', method: 'GET' }, value: 10 },
        { labels: { code: '200', instance: 'a', method: 'POST' }, value: 4 },
        { labels: { code: '200', instance: 'b', method: 'GET' }, value: 20 },
      ],
    ],
    [
      'a bare selector dropping empty label values',
      'http_requests_total{code="201"}',
      [{ labels: { code: '201', instance: 'b', method: 'POST' }, value: 6 }],
    ],
    ['= on a label', 'temperature{room="attic"}', [{ labels: { room: 'attic' }, value: 30 }]],
    [
      '!= on a label',
      'temperature{room!="attic"}',
      [
        { labels: { room: 'cellar' }, value: Number.NaN },
        { labels: { room: 'kitchen' }, value: 21.5 },
      ],
    ],
    [
      '=~ on a label, anchored',
      'temperature{room=~"k.*|att"}',
      [{ labels: { room: 'kitchen' }, value: 21.5 }],
    ],
    ['!~ on a label', 'temperature{room!~"k.*|c.*"}', [{ labels: { room: 'attic' }, value: 30 }]],
    [
      'a missing label compared as empty',
      'temperature{floor=""}',
      [
        { labels: { room: 'attic' }, value: 30 },
        { labels: { room: 'cellar' }, value: Number.NaN },
        { labels: { room: 'kitchen' }, value: 21.5 },
      ],
    ],
    ['a missing label against a value', 'temperature{floor="1"}', []],
    ['__name__ equality', '{__name__="other"}', [{ labels: { method: 'GET' }, value: 100 }]],
    [
      '__name__ regex across metrics',
      'sum by (method) ({__name__=~"other|http_requests_total", method="GET"})',
      [{ labels: { method: 'GET' }, value: 131 }],
    ],
    ['sum without grouping', 'sum(http_requests_total)', [{ labels: {}, value: 41 }]],
    [
      'sum by',
      'sum by (method) (http_requests_total)',
      [
        { labels: { method: 'GET' }, value: 31 },
        { labels: { method: 'POST' }, value: 10 },
      ],
    ],
    ['sum by a label some series lack', 'sum by (empty) (http_requests_total)', [{ labels: {}, value: 41 }]],
    [
      'sum without',
      'sum without (instance, code) (http_requests_total)',
      [
        { labels: { method: 'GET' }, value: 31 },
        { labels: { method: 'POST' }, value: 10 },
      ],
    ],
    [
      'avg by, grouping after the argument',
      'avg(http_requests_total) by (instance)',
      [
        { labels: { instance: 'a' }, value: 5 },
        { labels: { instance: 'b' }, value: 13 },
      ],
    ],
    ['min', 'min(http_requests_total)', [{ labels: {}, value: 1 }]],
    ['max', 'max(http_requests_total)', [{ labels: {}, value: 20 }]],
    [
      'count by',
      'count by (code) (http_requests_total)',
      [
        { labels: { code: '200' }, value: 3 },
        { labels: { code: '201' }, value: 1 },
        { labels: { code: '500' }, value: 1 },
      ],
    ],
    ['sum with a NaN, as Prometheus: NaN', 'sum(temperature)', [{ labels: {}, value: Number.NaN }]],
    ['avg with a NaN: NaN', 'avg(temperature)', [{ labels: {}, value: Number.NaN }]],
    ['min ignoring a NaN', 'min(temperature)', [{ labels: {}, value: 21.5 }]],
    ['max ignoring a NaN', 'max(temperature)', [{ labels: {}, value: 30 }]],
    ['min of NaN only', 'min(temperature{room="cellar"})', [{ labels: {}, value: Number.NaN }]],
    ['count including a NaN', 'count(temperature)', [{ labels: {}, value: 3 }]],
    ['no match: no series, not a zero', 'sum(missing_metric)', []],
    ['no match for a bare selector', 'temperature{room="garage"}', []],
  ])('evaluates %s', (_name, source, expected) => {
    // Act
    const result = evaluate(parseQuery(source), SAMPLES);

    // Assert
    expect(result).toEqual({ series: expected, truncated: 0 });
  });

  it('avoids overflow in avg of huge finite values', () => {
    // Arrange
    const samples: Sample[] = [
      { name: 'x', labels: {}, value: Number.MAX_VALUE },
      { name: 'x', labels: {}, value: Number.MAX_VALUE },
    ];

    // Act
    const { series } = evaluate(parseQuery('avg(x)'), samples);

    // Assert
    expect(series).toEqual([{ labels: {}, value: Number.MAX_VALUE }]);
  });

  it.each<[string, string, number | undefined, string[], number]>([
    ['keeps the first series by label order', 'wide', 3, ['a0', 'a1', 'a10'], 9],
    ['applies the default of 50', 'wide', undefined, ['a0'], 0],
    ['counts nothing cut when under the limit', 'wide', 12, ['a0'], 0],
    ['cuts aggregated series too', 'sum by (id) (wide)', 2, ['a0', 'a1'], 10],
  ])('maxSeries %s', (_name, source, maxSeries, firstIds, truncated) => {
    // Arrange
    const samples: Sample[] = Array.from({ length: 12 }, (_, i) => ({
      name: 'wide',
      labels: { id: `a${11 - i}` },
      value: i,
    }));

    // Act
    const result = evaluate(parseQuery(source), samples, maxSeries === undefined ? {} : { maxSeries });

    // Assert
    expect(result.series.slice(0, firstIds.length).map((s) => s.labels.id)).toEqual(firstIds);
    expect(result.truncated).toBe(truncated);
    expect(result.series).toHaveLength(12 - truncated);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxSeries %p', (maxSeries) => {
    // Act and Assert
    expect(() => evaluate(parseQuery('up'), [], { maxSeries })).toThrow(RangeError);
  });

  it('orders series by label names, then values, then length', () => {
    // Arrange
    const samples: Sample[] = [
      { name: 'x', labels: { b: '1' }, value: 1 },
      { name: 'x', labels: { a: '2', b: '0' }, value: 2 },
      { name: 'x', labels: { a: '2' }, value: 3 },
      { name: 'x', labels: { a: '10' }, value: 4 },
    ];

    // Act
    const { series } = evaluate(parseQuery('x'), samples);

    // Assert
    expect(series.map((s) => s.value)).toEqual([4, 3, 2, 1]);
  });

  it('does not share label objects with the samples', () => {
    // Arrange
    const samples: Sample[] = [{ name: 'x', labels: { a: '1' }, value: 1 }];

    // Act
    const { series } = evaluate(parseQuery('x'), samples);
    series[0]!.labels.a = 'changed';

    // Assert
    expect(samples[0]!.labels.a).toBe('1');
  });

  it('evaluates against the captured node_exporter page in selective mode', () => {
    // Arrange
    const text = readFileSync(join(__dirname, '../../fixtures/prometheus/node_exporter.txt'), 'utf8');
    const query = parseQuery('count by (mode) (node_cpu_seconds_total)');
    const names = metricNames(query);

    // Act
    const result = evaluate(query, parsePrometheus(text, names === undefined ? {} : { names }));

    // Assert
    expect(result.series.map((s) => s.labels.mode)).toEqual([
      'idle',
      'iowait',
      'irq',
      'nice',
      'softirq',
      'steal',
      'system',
      'user',
    ]);
    expect(result.series.every((s) => s.value === 2)).toBe(true);
  });
});
