import { compileMatcherRegex } from '../../../functions/promql';
import { formatDuration, parseDuration, parseGoFloat } from '../../../functions/promql/numbers';
import { expandTemplate } from '../../../functions/promql/regex';

describe('parseGoFloat (strconv.ParseFloat)', () => {
  it.each<[string, number | undefined]>([
    ['1', 1],
    ['-1.5e3', -1500],
    ['.5', 0.5],
    ['1.', 1],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-inf', Number.NEGATIVE_INFINITY],
    ['infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
    ['nan', Number.NaN],
    ['0x1p-2', 0.25],
    ['0X1.8P1', 3],
    ['0x_1p0', 1],
    ['1_000.5', 1000.5],
    ['1e1_0', 1e10],
    ['1e-400', 0],
    ['1e400', undefined],
    ['0x1p2000', undefined],
    ['0x10', undefined],
    ['1_', undefined],
    ['_1', undefined],
    ['1__0', undefined],
    ['+nan', undefined],
    ['infin', undefined],
    ['', undefined],
    ['.', undefined],
    ['1e', undefined],
    [' 1', undefined],
  ])('%j → %p', (text, expected) => {
    // Act and Assert
    expect(parseGoFloat(text)).toBe(expected);
  });
});

describe('durations (model.ParseDuration / Duration.String)', () => {
  it.each<[string, number | undefined]>([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1s500ms', 1_500],
    ['0', 0],
    ['30m1h', undefined],
    ['1.5h', undefined],
    ['5', undefined],
    ['', undefined],
  ])('%j → %p', (text, expected) => {
    // Act and Assert
    expect(parseDuration(text)).toBe(expected);
  });

  it.each<[number, string]>([
    [300_000, '5m'],
    [5_400_000, '1h30m'],
    [90_061_001, '1d1h1m1s1ms'],
    [0, '0s'],
  ])('formats %p as %s', (ms, text) => {
    // Act and Assert
    expect(formatDuration(ms)).toBe(text);
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
    ['lets . match a newline, as Prometheus 3 does', 'a.b', 'a\nb', true],
  ])('%s', (_name, pattern, value, expected) => {
    // Act and Assert
    expect(compileMatcherRegex(pattern).test(value)).toBe(expected);
  });
});

describe('label_replace templates (Regexp.ExpandString)', () => {
  const match = /^(?<host>[a-z]+)-(\d+)$/.exec('web-42')!;

  it.each<[string, string]>([
    ['$1', 'web'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: label_replace's Go template syntax
    ['${1}x', 'webx'],
    ['$1x', ''],
    ['$host:$2', 'web:42'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: label_replace's Go template syntax
    ['${host}', 'web'],
    ['$$1', '$1'],
    ['$', '$'],
    ['${host', '${host'],
    ['$9', ''],
    ['$01', ''],
    ['plain', 'plain'],
  ])('%j → %j', (template, expected) => {
    // Act and Assert
    expect(expandTemplate(template, match)).toBe(expected);
  });
});

describe('parseGoFloat on hostile `le` values from a scraped page', () => {
  it.each([
    ['a million digits', '1'.repeat(1_000_000)],
    ['a million digits then garbage', `${'1'.repeat(1_000_000)}x`],
    ['a hex mantissa without exponent', `0x${'f'.repeat(1_000_000)}`],
    ['underscored digits', '1_'.repeat(500_000)],
  ])('stays linear on %s', (_name, text) => {
    // Arrange
    const started = performance.now();

    // Act
    parseGoFloat(text);

    // Assert: linear scans take milliseconds; the bound leaves room for a loaded CI machine.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
