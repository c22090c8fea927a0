/**
 * Alert templates: Go text/template's subset and Prometheus' functions, expected outputs worked out from Go's
 * fmt/strconv and template/template.go (test/integration/rules-promtool.test.ts has Prometheus render the same
 * templates and compares).
 */
import { formatFloat, GoInt, sprintf } from '../../../functions/rules/gofmt';
import { expandTemplate, parseTemplate, TemplateError } from '../../../functions/rules/template';

const DATA = { labels: { instance: 'db-1.example.com:9100', job: 'api', path: '/a b' }, value: 0.0523 };

describe('alert templates render as Prometheus renders them', () => {
  it.each<[string, string, number, string]>([
    ['$value as %v', 'QPS is {{ $value }}', 1500, 'QPS is 1500'],
    ['a float in exponent form past 1e21 digits', '{{ $value }}', 1234567, '1.234567e+06'],
    ['a small float', '{{ $value }}', 0.000012, '1.2e-05'],
    ['NaN', '{{ $value }}', Number.NaN, 'NaN'],
    ['+Inf', '{{ $value }}', Number.POSITIVE_INFINITY, '+Inf'],
    ['.Value', '{{ .Value }}', 2.5, '2.5'],
    ['humanize', '{{ $value | humanize }}', 1234567, '1.235M'],
    ['humanize small', '{{ humanize $value }}', 0.000123, '123u'],
    ['humanize zero', '{{ humanize $value }}', 0, '0'],
    ['humanize1024', '{{ humanize1024 $value }}', 2048, '2ki'],
    ['humanizePercentage', '{{ $value | humanizePercentage }}', 0.0523, '5.23%'],
    ['humanizeDuration hours', '{{ humanizeDuration $value }}', 3725.5, '1h 2m 5s'],
    ['humanizeDuration days', '{{ humanizeDuration $value }}', 90061, '1d 1h 1m 1s'],
    ['humanizeDuration seconds', '{{ humanizeDuration $value }}', 12.3456, '12.35s'],
    ['humanizeDuration sub-second', '{{ humanizeDuration $value }}', 0.25, '250ms'],
    ['humanizeTimestamp', '{{ humanizeTimestamp $value }}', 1700000000, '2023-11-14 22:13:20 +0000 UTC'],
    ['printf %.2f', '{{ printf "%.2f" $value }}', 0.0523, '0.05'],
    ['printf rounds half to even', '{{ printf "%.0f %.0f %.1f" 0.5 2.5 0.25 }}', 0, '0 2 0.2'],
    [
      'printf width and flags',
      '{{ printf "[%6.1f|%-4s|%04d|%+d]" $value "ab" 7 3 }}',
      Math.PI,
      '[   3.1|ab  |0007|+3]',
    ],
    ['printf %d of a float', '{{ printf "%d" $value }}', 1.5, '%!d(float64=1.5)'],
    [
      'printf missing and extra',
      '{{ printf "%s %s" "a" }} {{ printf "x" 1 }}',
      0,
      'a %!s(MISSING) x%!(EXTRA int=1)',
    ],
    ['printf %q %x %%', '{{ printf "%q %x %%" "a\\"b" 255 }}', 0, '"a\\"b" ff %'],
    ['a label', '{{ $labels.instance }}', 0, 'db-1.example.com:9100'],
    ['a missing label is empty (missingkey=zero)', '[{{ $labels.nope }}]', 0, '[]'],
    ['index', '{{ index $labels "job" }}', 0, 'api'],
    [
      'if / else if / else',
      '{{ if gt $value 0.5 }}high{{ else if gt $value 0.01 }}mid{{ else }}low{{ end }}',
      0.05,
      'mid',
    ],
    [
      'with rebinds dot',
      '{{ with $labels.job }}job {{ . }}{{ end }}{{ with $labels.nope }}never{{ end }}',
      0,
      'job api',
    ],
    ['variables and trim markers', '{{- $v := printf "%.1f" $value -}}  [ {{- $v -}} ]', 0.25, '[0.2]'],
    ['comments', 'a{{/* a comment */}}b {{- /* trimmed */ -}} c', 0, 'abc'],
    ['parenthesised pipelines', '{{ (printf "%.0f" $value) | len }}', 1234, '4'],
    ['and / or / not', '{{ and 1 "" }}|{{ or "" "x" }}|{{ not $labels.nope }}', 0, '|x|true'],
    ['eq on strings', '{{ if eq $labels.job "api" "web" }}yes{{ end }}', 0, 'yes'],
    [
      'string functions',
      '{{ toUpper "ab" }} {{ title "hello world" }} {{ $labels.instance | stripPort }}',
      0,
      'AB Hello World db-1.example.com',
    ],
    [
      'stripDomain',
      '{{ stripDomain $labels.instance }} {{ stripDomain "10.0.0.1:80" }}',
      0,
      'db-1:9100 10.0.0.1:80',
    ],
    [
      'reReplaceAll and match',
      '{{ reReplaceAll "(.*):(.*)" "$2" $labels.instance }} {{ match "^db" $labels.instance }}',
      0,
      '9100 true',
    ],
    ['urlQueryEscape', '{{ urlQueryEscape $labels.path }}', 0, '%2Fa+b'],
    ['an integer constant prints as one', '{{ 5 }} {{ 1e3 }} {{ 2.0 }}', 0, '5 1000 2'],
  ])('%s', (_name, template, value, expected) => {
    expect(expandTemplate(template, { ...DATA, value })).toBe(expected);
  });

  it.each<[string, string, string]>([
    [
      'a float compared with an integer constant (Go refuses)',
      '{{ if gt $value 1 }}x{{ end }}',
      'error calling gt: incompatible types for comparison',
    ],
    ['a field of a number', '{{ $value.x }}', "can't evaluate field x in type float64"],
    ['humanize of a non-number', '{{ humanize "abc" }}', 'error calling humanize'],
  ])('renders an execution error as Prometheus does: %s', (_name, template, message) => {
    const rendered = expandTemplate(template, DATA);
    expect(rendered).toMatch(/^<error expanding template: .+>$/);
    expect(rendered).toContain(message);
  });

  it.each<[string, string, string]>([
    ['an unclosed action', 'a {{ $value ', 'unclosed action'],
    ['an undefined function', '{{ nosuch 1 }}', 'function "nosuch" not defined'],
    ['a stray end', '{{ end }}', 'unexpected {{end}}'],
    ['a missing end', '{{ if true }}x', 'unexpected EOF'],
    ['range (not in vigil’s subset)', '{{ range $labels }}{{ end }}', '{{range}} is not supported'],
    [
      'query (the webhook cannot query)',
      '{{ query "up" | first | value }}',
      'function "query" is not supported',
    ],
    ['an unterminated string', '{{ "abc }}', 'unterminated quoted string'],
  ])('refuses to parse %s', (_name, template, message) => {
    expect(() => parseTemplate(template)).toThrow(TemplateError);
    expect(() => parseTemplate(template)).toThrow(message);
  });
});

describe('Go number formatting', () => {
  it.each<[number, 'e' | 'f' | 'g', number, string]>([
    [1e21, 'g', -1, '1e+21'],
    [123456, 'g', -1, '123456'],
    [100000, 'g', 4, '1e+05'],
    [1000, 'g', 4, '1000'],
    [0.05, 'g', 4, '0.05'],
    [12.345, 'g', 4, '12.35'],
    [1.5, 'e', 2, '1.50e+00'],
    [0.125, 'f', 2, '0.12'],
    [0.375, 'f', 2, '0.38'],
    [-0.5, 'f', 0, '-0'],
    [2.675, 'f', 2, '2.67'],
  ])('%s as %s with precision %s is %s', (value, verb, precision, expected) => {
    expect(formatFloat(value, verb, precision)).toBe(expected);
  });

  it('keeps ints and floats apart as Go does', () => {
    expect(sprintf('%v %v %d', [new GoInt(3), 3, new GoInt(-4)])).toBe('3 3 -4');
  });
});
