/**
 * The parser test tables of Prometheus itself, rewritten as vigil's own cases: what each upstream table gives
 * as input, and whether upstream accepts or rejects it. Sources (read from the upstream repositories, not copied):
 *
 * - `prom`: prometheus/prometheus model/textparse/promparse_test.go (the scraper's 0.0.4 text parser)
 * - `om`: prometheus/prometheus model/textparse/openmetricsparse_test.go (the scraper's OpenMetrics parser)
 * - `common`: prometheus/common expfmt/text_parse_test.go (client_golang's 0.0.4 parser, used by promtool and
 *   the Pushgateway; stricter than the scraper in places)
 *
 * Where vigil decides differently, `vigil` says so and why. Where the two upstream 0.0.4 parsers disagree, vigil
 * follows the scraper (`prom`): it is what reads the same targets in production.
 */
import type { ExpositionFormat, Sample } from '../../../functions/prometheus/parse';

export type Verdict = 'accepts' | 'rejects';
export type UpstreamSource = 'prom' | 'om' | 'common';

export interface UpstreamCase {
  source: UpstreamSource;
  /** The upstream test and, for tables, the row: `TestPromParseErrors #3`. */
  name: string;
  /** A Buffer where upstream feeds bytes that are not UTF-8; vigil decodes bodies as UTF-8 first. */
  input: string | Buffer;
  format: ExpositionFormat;
  upstream: Verdict;
  /** Set where vigil deliberately decides otherwise. */
  vigil?: { verdict: Verdict; why: string };
  /** For an accepted page: every sample vigil keeps, or a count and a few of them. */
  samples?: Sample[] | { count: number; including: Sample[] };
}

const s = (name: string, labels: Record<string, string>, value: number, timestampMs?: number): Sample =>
  timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs };

/** Bytes as Go string literals give them: `bytes('a{b="', 0xff, '"} 1\n')`. */
const bytes = (...parts: (string | number)[]): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'number' ? Buffer.from([part]) : Buffer.from(part))));

const WHY_INVALID_UTF8 =
  'vigil decodes the body as UTF-8 before parsing, so an invalid byte becomes U+FFFD instead of failing the page';
const WHY_LENIENT_OM =
  'vigil reads OpenMetrics with the same lenient line rules as 0.0.4 (blank lines, extra blanks, tabs): exporters that emit them are still read';
const WHY_NO_TYPE_RULES =
  'vigil does not check the TYPE against the samples (le/quantile values, negative counts, HELP/TYPE order): a probe reads values, and the scraper accepts these pages too';
const WHY_NO_TRAILING_NEWLINE = 'the scraper reads a last line without a newline, and so does vigil';

// --- prom: TestPromParse, split where vigil differs on one line ---
const PROM_PAGE = `# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# 	TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05
go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05
# HELP prometheus_http_request_duration_seconds Histogram of latencies for HTTP requests.
# TYPE prometheus_http_request_duration_seconds histogram
prometheus_http_request_duration_seconds_bucket{handler="/",le="1"} 423
prometheus_http_request_duration_seconds_bucket{handler="/",le="2"} 1423
prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"} 1423
prometheus_http_request_duration_seconds_sum{handler="/"} 2000
prometheus_http_request_duration_seconds_count{handler="/"} 1423
# Hrandom comment starting with prefix of HELP
#
wind_speed{A="2",c="3"} 12345
# comment with escaped \\n newline
# comment with escaped \\ escape character
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05
go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"}	1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  	123123
# TYPE some_counter_total counter
# HELP some_counter_total Help after type.
some_counter_total 12
# HELP nohelp3
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\\"bar\\""} 1
testmetric{le="10"} 1
# HELP type_and_unit_test1 Type specified in metadata overrides.
# TYPE type_and_unit_test1 gauge
type_and_unit_test1{__type__="counter"} 123
# HELP type_and_unit_test2 Type specified in label.
type_and_unit_test2{__type__="counter"} 123
# HELP metric foo\x00bar
null_byte_metric{a="abc\x00"} 1`;

const PROM_PAGE_SAMPLES: Sample[] = [
  s('go_gc_duration_seconds', { quantile: '0' }, 4.9351e-5),
  s('go_gc_duration_seconds', { quantile: '0.25' }, 7.424100000000001e-5),
  s('go_gc_duration_seconds', { quantile: '0.5', a: 'b' }, 8.3835e-5),
  s('go_gc_duration_seconds', { quantile: '0.8', a: 'b' }, 8.3835e-5),
  s('go_gc_duration_seconds', { quantile: '0.9', a: 'b' }, 8.3835e-5),
  s('prometheus_http_request_duration_seconds_bucket', { handler: '/', le: '1' }, 423),
  s('prometheus_http_request_duration_seconds_bucket', { handler: '/', le: '2' }, 1423),
  s('prometheus_http_request_duration_seconds_bucket', { handler: '/', le: '+Inf' }, 1423),
  s('prometheus_http_request_duration_seconds_sum', { handler: '/' }, 2000),
  s('prometheus_http_request_duration_seconds_count', { handler: '/' }, 1423),
  s('wind_speed', { A: '2', c: '3' }, 12345),
  // Four spellings of one series: the scraper stores the first and drops the others as duplicates.
  s('go_gc_duration_seconds', { quantile: '1.0', a: 'b' }, 8.3835e-5),
  s('go_gc_duration_seconds_count', {}, 99),
  s('some:aggregate:rate5m', { a_b: 'c' }, 1),
  s('go_goroutines', {}, 33, 123123),
  s('some_counter_total', {}, 12),
  s('_metric_starting_with_underscore', {}, 1),
  s('testmetric', { _label_starting_with_underscore: 'foo' }, 1),
  s('testmetric', { label: '"bar"' }, 1),
  s('testmetric', { le: '10' }, 1),
  s('type_and_unit_test1', { __type__: 'counter' }, 123),
  s('type_and_unit_test2', { __type__: 'counter' }, 123),
  s('null_byte_metric', { a: 'abc\x00' }, 1),
];

const PROM_UTF8_PAGE = String.raw`# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# 	TYPE "go.gc_duration_seconds" summary
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25",} 7.424100000000001e-05
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"go.gc_duration_seconds",quantile="0.8", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="0.9", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile= "1.0", a= "b", } 8.3835e-05
{ "go.gc_duration_seconds", quantile = "1.0", a = "b" } 8.3835e-05
{"go.gc_duration_seconds_count"} 99
{"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}","strange©™\n'quoted' \"name\""="6"} 10.0`;

const PROM_UTF8_SAMPLES: Sample[] = [
  s('go.gc_duration_seconds', { quantile: '0' }, 4.9351e-5),
  s('go.gc_duration_seconds', { quantile: '0.25' }, 7.424100000000001e-5),
  s('go.gc_duration_seconds', { quantile: '0.5', a: 'b' }, 8.3835e-5),
  s('go.gc_duration_seconds', { quantile: '0.8', a: 'b' }, 8.3835e-5),
  s('go.gc_duration_seconds', { quantile: '0.9', a: 'b' }, 8.3835e-5),
  s('go.gc_duration_seconds', { quantile: '1.0', a: 'b' }, 8.3835e-5),
  s('go.gc_duration_seconds_count', {}, 99),
  s(
    'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}',
    { 'strange©™\n\'quoted\' "name"': '6' },
    10,
  ),
];

// --- om: TestOpenMetricsParse ---
const OM_PAGE = `# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \\ \\n \\\\ \\" \\x chars
# UNIT nounit 
go_gc_duration_seconds{quantile="1.0",a="b"} 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4
hhh_count 1 # {id="histogram-count-test"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123
ggh_count 1 # {id="gaugehistogram-count-test",xx="yy"} 4 123.123
# TYPE smr_seconds summary
smr_seconds_count 2.0 # {id="summary-count-test"} 1 123.321
smr_seconds_sum 42.0 # {id="summary-sum-test"} 1 123.321
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{ss="bar"} 0
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\\"bar\\""} 1
# HELP foo Counter with and without labels to certify ST is parsed for both cases
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
foo_created 1520872607.123
foo_total{a="b"} 17.0 1520879607.789 # {id="counter-test"} 5
foo_created{a="b"} 1520872607.123
foo_total{le="c"} 21.0
foo_created{le="c"} 1520872621.123
foo_total{le="1"} 10.0
# HELP bar Summary with ST at the end, making sure we find ST even if it's multiple lines a far
# TYPE bar summary
bar_count 17.0
bar_sum 324789.3
bar{quantile="0.95"} 123.7
bar{quantile="0.99"} 150.0
bar_created 1520872608.124
# HELP baz Histogram with the same objective as above's summary
# TYPE baz histogram
baz_bucket{le="0.0"} 0
baz_bucket{le="+Inf"} 17
baz_count 17
baz_sum 324789.3
baz_created 1520872609.125
# HELP fizz_created Gauge which shouldn't be parsed as ST
# TYPE fizz_created gauge
fizz_created 17.0
# HELP something Histogram with _created between buckets and summary
# TYPE something histogram
something_count 18
something_sum 324789.4
something_created 1520430001
something_bucket{le="0.0"} 1
something_bucket{le="1"} 2
something_bucket{le="+Inf"} 18
# HELP yum Summary with _created between sum and quantiles
# TYPE yum summary
yum_count 20
yum_sum 324789.5
yum_created 1520430003
yum{quantile="0.95"} 123.7
yum{quantile="0.99"} 150.0
# HELP foobar Summary with _created as the first line
# TYPE foobar summary
foobar_count 21
foobar_created 1520430004
foobar_sum 324789.6
foobar{quantile="0.95"} 123.8
foobar{quantile="0.99"} 150.1
# HELP nansum Summary with NaN value
# TYPE nansum summary
nansum_count 0
nansum_sum 0.0
nansum{quantile="0.95"} nan
nansum{quantile="0.99"} NaN
# HELP metric foo\x00bar
null_byte_metric{a="abc\x00"} 1
# EOF
`;

const OM_UTF8_PAGE = `${String.raw`# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25"} 7.424100000000001e-05
{"go.gc_duration_seconds_created"} 1520872607.123
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"go.gc_duration_seconds_sum"} 0.004304266
{"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}","strange©™\n'quoted' \"name\""="6"} 10.0
quotedexemplar_count 1 # {"id.thing"="histogram-count-test"} 4
quotedexemplar2_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4
`}# EOF
`;

const prom = (
  name: string,
  input: string | Buffer,
  upstream: Verdict,
  extra: Partial<UpstreamCase> = {},
): UpstreamCase => ({ source: 'prom', name, input, format: 'prometheus', upstream, ...extra });
const om = (
  name: string,
  input: string | Buffer,
  upstream: Verdict,
  extra: Partial<UpstreamCase> = {},
): UpstreamCase => ({ source: 'om', name, input, format: 'openmetrics', upstream, ...extra });
const common = (
  name: string,
  input: string | Buffer,
  upstream: Verdict,
  extra: Partial<UpstreamCase> = {},
): UpstreamCase => ({ source: 'common', name, input, format: 'prometheus', upstream, ...extra });
const lenientOm = { vigil: { verdict: 'accepts' as const, why: WHY_LENIENT_OM } };
const invalidUtf8 = { vigil: { verdict: 'accepts' as const, why: WHY_INVALID_UTF8 } };
const noTypeRules = { vigil: { verdict: 'accepts' as const, why: WHY_NO_TYPE_RULES } };

const BUCKET_BOUNDS = ['100', '120', '144', '172.8', '+Inf'];

/** The request_duration_microseconds page client_golang's tests use, with the given TYPE and bucket values. */
function HISTOGRAM(type: string, buckets: readonly string[], count: string): string {
  const lines = buckets.map(
    (value, index) => `request_duration_microseconds_bucket{le="${BUCKET_BOUNDS[index]}"} ${value}`,
  );
  return `
# HELP request_duration_microseconds The response latency.
# TYPE request_duration_microseconds ${type}
${lines.join('\n')}
request_duration_microseconds_sum 1.7560473e+06
request_duration_microseconds_count ${count}
`;
}

function histogramSamples(buckets: readonly number[], count: number): Sample[] {
  return [
    ...buckets.map((value, index) =>
      s('request_duration_microseconds_bucket', { le: BUCKET_BOUNDS[index]! }, value),
    ),
    s('request_duration_microseconds_sum', {}, 1.7560473e6),
    s('request_duration_microseconds_count', {}, count),
  ];
}

export const UPSTREAM_CASES: readonly UpstreamCase[] = [
  // prom: TestPromParse
  prom('TestPromParse (every line but one)', PROM_PAGE, 'accepts', { samples: PROM_PAGE_SAMPLES }),
  prom(
    'TestPromParse: labels without a comma between them',
    'go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05\n',
    'accepts',
    {
      vigil: {
        verdict: 'rejects',
        why: 'upstream notes this leniency "appears to be unintended and should probably be fixed"; its OpenMetrics parser and client_golang reject it',
      },
    },
  ),
  prom('TestUTF8PromParse', PROM_UTF8_PAGE, 'accepts', { samples: PROM_UTF8_SAMPLES }),
  // prom: TestPromParseErrors
  prom('TestPromParseErrors #1', 'a', 'rejects'),
  prom('TestPromParseErrors #2', "a{b='c'} 1\n", 'rejects'),
  prom('TestPromParseErrors #3', 'a{b=\n', 'rejects'),
  prom('TestPromParseErrors #4', bytes('a{', 0xff, '="foo"} 1\n'), 'rejects'),
  prom('TestPromParseErrors #5', bytes('a{b="', 0xff, '"} 1\n'), 'rejects', invalidUtf8),
  prom('TestPromParseErrors #6', '{"a", "b = "c"}', 'rejects'),
  prom('TestPromParseErrors #7', String.raw`{"a",b\nc="d"} 1`, 'rejects'),
  prom('TestPromParseErrors #8', 'a true\n', 'rejects'),
  prom('TestPromParseErrors #9', 'something_weird{problem="', 'rejects'),
  prom('TestPromParseErrors #10', 'empty_label_name{=""} 0', 'rejects'),
  prom('TestPromParseErrors #11', '{A}0', 'rejects'),
  prom('TestPromParseErrors #12', 'foo 1_2\n', 'rejects'),
  prom('TestPromParseErrors #13', 'foo 0x1p-3\n', 'rejects'),
  prom('TestPromParseErrors #14', 'foo 0x1P-3\n', 'rejects'),
  prom('TestPromParseErrors #15', 'foo 0 1_2\n', 'rejects'),
  prom('TestPromParseErrors #16', '{a="ok"} 1', 'rejects'),
  prom('TestPromParseErrors #17', '# TYPE #\n#EOF\n', 'rejects'),
  prom('TestPromParseErrors #18', '# HELP #\n#EOF\n', 'rejects'),
  // prom: TestPromNullByteHandling
  prom('TestPromNullByteHandling #1', 'null_byte_metric{a="abc\x00"} 1', 'accepts', {
    samples: [s('null_byte_metric', { a: 'abc\x00' }, 1)],
  }),
  prom('TestPromNullByteHandling #2', 'a{b="\x00ss"} 1\n', 'accepts', {
    samples: [s('a', { b: '\x00ss' }, 1)],
  }),
  prom('TestPromNullByteHandling #3', 'a{b="\x00"} 1\n', 'accepts', { samples: [s('a', { b: '\x00' }, 1)] }),
  prom('TestPromNullByteHandling #4', 'a{b="\x00"} 1\n', 'accepts', { samples: [s('a', { b: '\x00' }, 1)] }),
  prom('TestPromNullByteHandling #5', 'a{b=\x00"ssss"} 1\n', 'rejects'),
  prom('TestPromNullByteHandling #6', 'a{b="\x00', 'rejects'),
  prom('TestPromNullByteHandling #7', 'a{b\x00="hiih"}\t1', 'rejects'),
  prom('TestPromNullByteHandling #8', 'a\x00{b="ddd"} 1', 'rejects'),
  prom('TestPromNullByteHandling #9', 'a 0 1\x00', 'rejects'),
  prom('TestPromParseBareIdentifierInBraces', '{A} 0\n', 'rejects'),

  // om: TestOpenMetricsParse and TestOpenMetricsParse_UTF8
  om('TestOpenMetricsParse', OM_PAGE, 'accepts', {
    samples: {
      // Every sample line; _created series are samples too, as in a default scrape (only the
      // created-timestamp feature flag folds them into start times).
      count: 61,
      including: [
        s('go_goroutines', {}, 33, 123123),
        s('hhh_bucket', { le: '+Inf' }, 1),
        s('foo_total', {}, 17, 1520879607789),
        s('foo_created', {}, 1520872607.123),
        s('ss', { A: 'a' }, 0),
        s('nansum', { quantile: '0.95' }, Number.NaN),
        s('null_byte_metric', { a: 'abc\x00' }, 1),
      ],
    },
  }),
  om('TestOpenMetricsParse_UTF8', OM_UTF8_PAGE, 'accepts', {
    samples: {
      // {"http.status",q="0.9",a="b"} three times (the third with the name last) is one series.
      count: 9,
      including: [
        s('go.gc_duration_seconds_created', {}, 1520872607.123),
        s('http.status', { q: '0.9', a: 'b' }, 8.3835e-5),
        s('quotedexemplar2_count', {}, 1),
      ],
    },
  }),
  // om: TestOpenMetricsParseErrors
  om('TestOpenMetricsParseErrors #1', '# EOF', 'accepts', { samples: [] }),
  om('TestOpenMetricsParseErrors #2', '# EOF\n', 'accepts', { samples: [] }),
  om('TestOpenMetricsParseErrors #3', '', 'rejects'),
  om('TestOpenMetricsParseErrors #4', '\n', 'rejects'),
  om('TestOpenMetricsParseErrors #5', 'metric', 'rejects'),
  om('TestOpenMetricsParseErrors #6', 'metric 1', 'rejects'),
  om('TestOpenMetricsParseErrors #7', 'metric 1\n', 'rejects'),
  om('TestOpenMetricsParseErrors #8', 'metric_total 1 # {aa="bb"} 4', 'rejects'),
  om('TestOpenMetricsParseErrors #9', 'a\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #10', '\n\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #11', ' a 1\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #12', '9\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #13', '# TYPE u untyped\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #14', '# TYPE c counter \n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #15', '#  TYPE c counter\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #16', '# TYPE \n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #17', '# TYPE m\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #18', '# UNIT metric suffix\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #19', '# UNIT metricsuffix suffix\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #20', '# UNIT m suffix\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #21', '# UNIT \n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #22', '# UNIT m\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #23', '# HELP \n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #24', '# HELP m\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #25', 'a\t1\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #26', 'a 1\t2\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #27', 'a 1 2 \n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #28', 'a 1 2 #\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #29', 'a 1 1z\n#EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #30', ' # EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #31', '# EOF\na 1', 'rejects'),
  om('TestOpenMetricsParseErrors #32', '# EOF\n\n', 'rejects', lenientOm),
  om('TestOpenMetricsParseErrors #33', '# EOFa 1', 'rejects'),
  om('TestOpenMetricsParseErrors #34', '#\tTYPE c counter\n', 'rejects'),
  om('TestOpenMetricsParseErrors #35', '# TYPE c  counter\n', 'rejects'),
  om('TestOpenMetricsParseErrors #36', 'a 1 1 1\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #37', "a{b='c'} 1\n# EOF\n", 'rejects'),
  om('TestOpenMetricsParseErrors #38', 'a{,b="c"} 1\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #39', 'a{b="c"d="e"} 1\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #40', 'a{b="c",,d="e"} 1\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #41', 'a{b=\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #42', bytes('a{', 0xff, '="foo"} 1\n# EOF\n'), 'rejects'),
  om('TestOpenMetricsParseErrors #43', bytes('a{b="', 0xff, '"} 1\n# EOF\n'), 'rejects', invalidUtf8),
  om('TestOpenMetricsParseErrors #44', '{"a","b = "c"}\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #45', `${String.raw`{"a",b\nc="d"} 1`}\n# EOF\n`, 'rejects'),
  om('TestOpenMetricsParseErrors #46', 'a true\n', 'rejects'),
  om('TestOpenMetricsParseErrors #47', 'something_weird{problem="\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #48', 'empty_label_name{=""} 0\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #49', '{A}0\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #50', 'foo 1_2\n\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #51', 'foo 0x1p-3\n\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #52', 'foo 0x1P-3\n\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #53', 'foo 0 1_2\n\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #54', 'custom_metric_total 1 # {aa=bb}\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #55', 'custom_metric_total 1 # {aa="bb"}\n# EOF\n', 'rejects'),
  om('TestOpenMetricsParseErrors #56', 'custom_metric_total 1 # {aa="bb"}', 'rejects'),
  om('TestOpenMetricsParseErrors #57', 'custom_metric_total 1 # {bb}', 'rejects'),
  om('TestOpenMetricsParseErrors #58', 'custom_metric_total 1 # {bb, a="dd"}', 'rejects'),
  om('TestOpenMetricsParseErrors #59', 'custom_metric_total 1 # {aa="bb",,cc="dd"} 1', 'rejects'),
  om('TestOpenMetricsParseErrors #60', 'custom_metric_total 1 # {aa="bb"} 1_2', 'rejects'),
  om('TestOpenMetricsParseErrors #61', 'custom_metric_total 1 # {aa="bb"} 0x1p-3', 'rejects'),
  om('TestOpenMetricsParseErrors #62', 'custom_metric_total 1 # {aa="bb"} true', 'rejects'),
  om('TestOpenMetricsParseErrors #63', 'custom_metric_total 1 # {aa="bb",cc=}', 'rejects'),
  om('TestOpenMetricsParseErrors #64', String.raw`custom_metric_total 1 # {aa=\"\xff\"} 9.0`, 'rejects'),
  om('TestOpenMetricsParseErrors #65', '{b="c",} 1', 'rejects'),
  om('TestOpenMetricsParseErrors #66', 'a 1 NaN', 'rejects'),
  om('TestOpenMetricsParseErrors #67', 'a 1 -Inf', 'rejects'),
  om('TestOpenMetricsParseErrors #68', 'a 1 Inf', 'rejects'),
  om(
    'TestOpenMetricsParseErrors #69',
    '# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 NaN',
    'rejects',
  ),
  om(
    'TestOpenMetricsParseErrors #70',
    '# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 -Inf',
    'rejects',
  ),
  om('TestOpenMetricsParseBareIdentifierInBraces', '{A} 0\n# EOF\n', 'rejects'),
  // om: TestOMNullByteHandling
  om('TestOMNullByteHandling #1', 'null_byte_metric{a="abc\x00"} 1\n# EOF\n', 'accepts', {
    samples: [s('null_byte_metric', { a: 'abc\x00' }, 1)],
  }),
  om('TestOMNullByteHandling #2', 'a{b="\x00ss"} 1\n# EOF\n', 'accepts', {
    samples: [s('a', { b: '\x00ss' }, 1)],
  }),
  om('TestOMNullByteHandling #3', 'a{b="\x00"} 1\n# EOF\n', 'accepts', {
    samples: [s('a', { b: '\x00' }, 1)],
  }),
  om('TestOMNullByteHandling #4', 'a{b="\x00"} 1\n# EOF', 'accepts', { samples: [s('a', { b: '\x00' }, 1)] }),
  om('TestOMNullByteHandling #5', 'a{b=\x00"ssss"} 1\n# EOF\n', 'rejects'),
  om('TestOMNullByteHandling #6', 'a{b="\x00', 'rejects'),
  om('TestOMNullByteHandling #7', 'a{b\x00="hiih"}\t1', 'rejects'),
  om('TestOMNullByteHandling #8', 'a\x00{b="ddd"} 1', 'rejects'),
  om('TestOMNullByteHandling #9', '#', 'rejects'),
  om('TestOMNullByteHandling #10', '# H', 'rejects'),
  om('TestOMNullByteHandling #11', 'custom_metric_total 1 # {b=\x00"ssss"} 1\n', 'rejects'),
  om('TestOMNullByteHandling #12', 'custom_metric_total 1 # {b="\x00ss"} 1\n', 'rejects'),
  // common: testTextParse
  common('testTextParse #0 (empty lines)', '\n\n', 'accepts', { samples: [] }),
  common(
    'testTextParse #1 (minimal)',
    `
minimal_metric 1.234
another_metric -3e3 103948
# Even that:
no_labels{} 3
# HELP line for non-existing metric will be ignored.
`,
    'accepts',
    {
      samples: [
        s('minimal_metric', {}, 1.234),
        s('another_metric', {}, -3000, 103948),
        s('no_labels', {}, 3),
      ],
    },
  ),
  common(
    'testTextParse #2 (docstrings, whitespace, escapes)',
    String.raw`
# A normal comment.
#
# TYPE name counter
name{labelname="val1",basename="basevalue"} NaN
name {labelname="val2",basename="base\"v\\al\nue"} 0.23 1234567890
# HELP name two-line\n doc  str\\ing

 # HELP  name2  	doc str"ing 2
  #    TYPE    name2 gauge
name2{labelname="val2"	,basename   =   "basevalue2"		} +Inf 54321
name2{ labelname = "val1" , }-Inf
`,
    'accepts',
    {
      samples: [
        s('name', { labelname: 'val1', basename: 'basevalue' }, Number.NaN),
        s('name', { labelname: 'val2', basename: 'base"v\\al\nue' }, 0.23, 1234567890),
        s('name2', { labelname: 'val2', basename: 'basevalue2' }, Number.POSITIVE_INFINITY, 54321),
        s('name2', { labelname: 'val1' }, Number.NEGATIVE_INFINITY),
      ],
    },
  ),
  common(
    'testTextParse #3 (the evil summary; bare # HELP lines)',
    `
# TYPE my_summary summary
my_summary{n1="val1",quantile="0.5"} 110
decoy -1 -2
my_summary{n1="val1",quantile="0.9"} 140 1
my_summary_count{n1="val1"} 42
# Latest timestamp wins in case of a summary.
my_summary_sum{n1="val1"} 4711 2
fake_sum{n1="val1"} 2001
# TYPE another_summary summary
another_summary_count{n2="val2",n1="val1"} 20
my_summary_count{n2="val2",n1="val1"} 5 5
another_summary{n1="val1",n2="val2",quantile=".3"} -1.2
my_summary_sum{n1="val2"} 08 15
my_summary{n1="val3", quantile="0.2"} 4711
  my_summary{n1="val1",n2="val2",quantile="-12.34",} NaN
# some
# funny comments
# HELP
# HELP
# HELP my_summary
# HELP my_summary
`,
    'accepts',
    {
      samples: [
        s('my_summary', { n1: 'val1', quantile: '0.5' }, 110),
        s('decoy', {}, -1, -2),
        s('my_summary', { n1: 'val1', quantile: '0.9' }, 140, 1),
        s('my_summary_count', { n1: 'val1' }, 42),
        s('my_summary_sum', { n1: 'val1' }, 4711, 2),
        s('fake_sum', { n1: 'val1' }, 2001),
        s('another_summary_count', { n2: 'val2', n1: 'val1' }, 20),
        s('my_summary_count', { n2: 'val2', n1: 'val1' }, 5, 5),
        s('another_summary', { n1: 'val1', n2: 'val2', quantile: '.3' }, -1.2),
        s('my_summary_sum', { n1: 'val2' }, 8, 15),
        s('my_summary', { n1: 'val3', quantile: '0.2' }, 4711),
        s('my_summary', { n1: 'val1', n2: 'val2', quantile: '-12.34' }, Number.NaN),
      ],
    },
  ),
  common(
    'testTextParse #4 (histogram)',
    HISTOGRAM('histogram', ['123', '412', '592', '1524', '2693'], '2693'),
    'accepts',
    {
      samples: histogramSamples([123, 412, 592, 1524, 2693], 2693),
    },
  ),
  common(
    'testTextParse #5 (quoted metric and label names with dots)',
    `
# HELP "my.noncompliant.metric" help text
# TYPE "my.noncompliant.metric" counter
{"my.noncompliant.metric","label.name"="value"} 1
`,
    'accepts',
    { samples: [s('my.noncompliant.metric', { 'label.name': 'value' }, 1)] },
  ),
  common(
    'testTextParse #6 (dots in a family name)',
    `
# HELP "name.with.dots" boring help
# TYPE "name.with.dots" counter
{"name.with.dots",labelname="val1",basename="basevalue"} 42.0
{"name.with.dots",labelname="val2",basename="basevalue"} 0.23 1234567890
`,
    'accepts',
    {
      samples: [
        s('name.with.dots', { labelname: 'val1', basename: 'basevalue' }, 42),
        s('name.with.dots', { labelname: 'val2', basename: 'basevalue' }, 0.23, 1234567890),
      ],
    },
  ),
  common(
    'testTextParse #7 (dots in a family name, no labels, indented)',
    `
				# HELP "name.with.dots" boring help
				# TYPE "name.with.dots" counter
				{"name.with.dots"} 42.0
				{"name.with.dots"} 0.23 1234567890
				`,
    'accepts',
    {
      // One series twice: client_golang keeps both in its family; the scraper (and vigil) keep the first.
      samples: [s('name.with.dots', {}, 42)],
    },
  ),
  common(
    'testTextParse #8 (escapes in HELP and in quoted names)',
    String.raw`# HELP "gauge.name" gauge\ndoc\nstr\"ing
# TYPE "gauge.name" gauge
{"gauge.name","name.1"="val with\nnew line","name*2"="val with \\backslash and \"quotes\""} +Inf
{"gauge.name","name.1"="Björn","name*2"="佖佥"} 3.14e+42
`,
    'accepts',
    {
      samples: [
        s(
          'gauge.name',
          { 'name.1': 'val with\nnew line', 'name*2': 'val with \\backslash and "quotes"' },
          Number.POSITIVE_INFINITY,
        ),
        s('gauge.name', { 'name.1': 'Björn', 'name*2': '佖佥' }, 3.14e42),
      ],
    },
  ),
  common(
    'testTextParse #9 (escaped characters in names)',
    String.raw`
# HELP "my\"noncompliant\nmetric\\" help text
# TYPE "my\"noncompliant\nmetric\\" counter
{"my\"noncompliant\nmetric\\","label\"name\n"="value"} 1
`,
    'accepts',
    { samples: [s('my"noncompliant\nmetric\\', { 'label"name\n': 'value' }, 1)] },
  ),
  common(
    'testTextParse #10 (a quoted metric name after a label)',
    `
# HELP "my.noncompliant.metric" help text
# TYPE "my.noncompliant.metric" counter
{labelname="value", "my.noncompliant.metric"} 1
`,
    'accepts',
    { samples: [s('my.noncompliant.metric', { labelname: 'value' }, 1)] },
  ),
  common('testTextParse #11 (quoted names only)', '\n{"name.1"} 1\n{"name.2"} 1\n{"name.3"} 1\n', 'accepts', {
    samples: [s('name.1', {}, 1), s('name.2', {}, 1), s('name.3', {}, 1)],
  }),
  common(
    'testTextParse #12 (float histogram)',
    HISTOGRAM('histogram', ['123.5', '412.6', '592.7', '1524.8', '2693.9'], '2693.9'),
    'accepts',
    {
      samples: histogramSamples([123.5, 412.6, 592.7, 1524.8, 2693.9], 2693.9),
    },
  ),
  common(
    'testTextParse #13 (only the count a float, no +Inf bucket)',
    HISTOGRAM('histogram', ['123', '412', '592', '1524'], '2693.9'),
    'accepts',
    {
      samples: histogramSamples([123, 412, 592, 1524], 2693.9),
    },
  ),
  common(
    'testTextParse #14 (one float bucket)',
    HISTOGRAM('histogram', ['123', '412', '592', '1524.8', '2693'], '2693'),
    'accepts',
    {
      samples: histogramSamples([123, 412, 592, 1524.8, 2693], 2693),
    },
  ),
  common(
    'testTextParse #15 (gaugehistogram)',
    HISTOGRAM('gaugehistogram', ['123', '412', '592', '1524', '2693'], '2693'),
    'accepts',
    {
      samples: histogramSamples([123, 412, 592, 1524, 2693], 2693),
    },
  ),
  common(
    'testTextParse #16 (gauge_histogram spelling)',
    HISTOGRAM('gauge_histogram', ['123', '412', '592', '1524', '2693'], '2693'),
    'accepts',
    {
      vigil: {
        verdict: 'rejects',
        why: '"gauge_histogram" is not a type of either format (client_golang tolerates it; the scraper rejects it as an invalid metric type, and so does vigil)',
      },
    },
  ),
  common(
    'testTextParse #17 (gauge_histogram, one float bucket)',
    HISTOGRAM('gauge_histogram', ['123', '412', '592', '1524.8', '2693'], '2693'),
    'accepts',
    {
      vigil: { verdict: 'rejects', why: 'as #16: "gauge_histogram" is not a metric type' },
    },
  ),
  // common: testTextParseError
  common('testTextParseError #0 (no newline at the end)', '\nbla 3.14\nblubber 42', 'rejects', {
    vigil: { verdict: 'accepts', why: WHY_NO_TRAILING_NEWLINE },
  }),
  common(
    'testTextParseError #1 (unknown escape \\t in a label value)',
    String.raw`metric{label="\t"} 3.14`,
    'rejects',
    {
      vigil: { verdict: 'accepts', why: 'the scraper keeps unknown escapes verbatim, and so does vigil' },
    },
  ),
  common('testTextParseError #2', '\nmetric{label="new\nline"} 3.14\n', 'rejects'),
  common('testTextParseError #3', 'metric{@="bla"} 3.14', 'rejects'),
  common('testTextParseError #4', 'metric{__name__="bla"} 3.14', 'rejects'),
  common('testTextParseError #5', 'metric{label+="bla"} 3.14', 'rejects'),
  common('testTextParseError #6', 'metric{label=bla} 3.14', 'rejects'),
  common(
    'testTextParseError #7 (quantile not a float)',
    '\n# TYPE metric summary\nmetric{quantile="bla"} 3.14\n',
    'rejects',
    noTypeRules,
  ),
  common('testTextParseError #8', 'metric{label="bla"+} 3.14', 'rejects'),
  common('testTextParseError #9', 'metric{label="bla"} 3.14 2.72\n', 'rejects'),
  common('testTextParseError #10', 'metric{label="bla"} 3.14 2 3\n', 'rejects'),
  common('testTextParseError #11', 'metric{label="bla"} blubb\n', 'rejects'),
  common(
    'testTextParseError #12 (second HELP)',
    '\n# HELP metric one\n# HELP metric two\n',
    'rejects',
    noTypeRules,
  ),
  common(
    'testTextParseError #13 (second TYPE)',
    '\n# TYPE metric counter\n# TYPE metric untyped\n',
    'rejects',
    noTypeRules,
  ),
  common(
    'testTextParseError #14 (TYPE after samples)',
    '\nmetric 4.12\n# TYPE metric counter\n',
    'rejects',
    noTypeRules,
  ),
  common('testTextParseError #15', '\n# TYPE metric bla\n', 'rejects'),
  common('testTextParseError #16', '\n# TYPE met-ric\n', 'rejects'),
  common('testTextParseError #17', '@invalidmetric{label="bla"} 3.14 2', 'rejects'),
  common('testTextParseError #18', '{label="bla"} 3.14 2', 'rejects'),
  common(
    'testTextParseError #19 (le not a float)',
    '\n# TYPE metric histogram\nmetric_bucket{le="bla"} 3.14\n',
    'rejects',
    noTypeRules,
  ),
  common('testTextParseError #20', bytes('metric{l="', 0xbd, '"} 3.14\n'), 'rejects', invalidUtf8),
  ...['1_2', '0x1p-3', '0x1P-3', '0B1', '0O1', '0X1', '0x1', '0b1', '0o1', '0x1', '0x1'].map(
    (literal, index) => common(`testTextParseError #${21 + index}`, `foo ${literal}\n`, 'rejects'),
  ),
  common(
    'testTextParseError #32 (le in hex)',
    '\n# TYPE metric histogram\nmetric_bucket{le="0x1p-3"} 3.14\n',
    'rejects',
    noTypeRules,
  ),
  common(
    'testTextParseError #33 (quantile in hex)',
    '\n# TYPE metric summary\nmetric{quantile="0x1p-3"} 3.14\n',
    'rejects',
    noTypeRules,
  ),
  common('testTextParseError #34', 'metric{label="bla",label="bla"} 3.14', 'rejects'),
  common('testTextParseError #35', '{"one.name","another.name"} 3.14', 'rejects'),
  common(
    'testTextParseError #36 (unknown escape in a quoted name)',
    `${String.raw`{"a\xc5z",label="bla"} 3.14`}\n`,
    'rejects',
    {
      vigil: { verdict: 'accepts', why: 'the scraper keeps unknown escapes verbatim, and so does vigil' },
    },
  ),
  common('testTextParseError #37', '{"metric.name".label="bla"} 3.14', 'rejects'),
  common(
    'testTextParseError #38 (unknown escape \\t in a quoted name)',
    String.raw`
# TYPE "metric.name\t" counter
{"metric.name\t",label="bla"} 3.14
`,
    'rejects',
    { vigil: { verdict: 'accepts', why: 'the scraper keeps unknown escapes verbatim, and so does vigil' } },
  ),
  common(
    'testTextParseError #39',
    '\n# TYPE "metric\nname" counter\n{"metric\nname",label="bla"} 3.14\n',
    'rejects',
  ),
  common('testTextParseError #40', '\n{"metric.name","new\nline"="bla"} 3.14\n', 'rejects'),
  common(
    'testTextParseError #41 (accepted with UTF-8 names)',
    '{"metric.name",foo="bla"} 3.14\n',
    'accepts',
    {
      samples: [s('metric.name', { foo: 'bla' }, 3.14)],
    },
  ),
  common(
    'testTextParseError #42 (accepted with UTF-8 names)',
    'metric_name{"foo"="bar", "dotted.label"="bla"} 3.14\n',
    'accepts',
    {
      samples: [s('metric_name', { foo: 'bar', 'dotted.label': 'bla' }, 3.14)],
    },
  ),
  common(
    'testTextParseError #43 (negative count)',
    HISTOGRAM('histogram', ['123', '412', '592', '1524', '2693'], '-2693'),
    'rejects',
    noTypeRules,
  ),
  common(
    'testTextParseError #44 (negative bucket)',
    HISTOGRAM('histogram', ['123', '-412', '592', '1524', '2693'], '2693'),
    'rejects',
    noTypeRules,
  ),
  common(
    'testTextParseError #45 (negative float count)',
    HISTOGRAM('histogram', ['123', '412', '592', '1524', '2693'], '-2693.123'),
    'rejects',
    noTypeRules,
  ),
  common(
    'testTextParseError #46 (negative float bucket)',
    HISTOGRAM('histogram', ['123', '-412.456', '592', '1524', '2693'], '2693'),
    'rejects',
    noTypeRules,
  ),
  common('testTextParseError #47', '{} 3.14', 'rejects'),
];
