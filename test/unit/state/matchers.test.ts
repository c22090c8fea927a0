/**
 * Alertmanager's label matchers: the parser's cases are pkg/labels/parse_test.go's (0.25), messages included; the
 * matching, printing and API conversions are Alertmanager's too.
 */
import {
  compileMatchers,
  formatMatcher,
  fromApiMatcher,
  type Matcher,
  matcherProblem,
  matchesEmpty,
  parseMatcher,
  parseMatchers,
  toApiMatcher,
} from '../../../functions/state/matchers';

const m = (name: string, type: Matcher['type'], value: string): Matcher => ({ name, type, value });

describe('parseMatchers (pkg/labels/parse_test.go)', () => {
  it.each<[string, Matcher[]]>([
    ['{foo="bar"}', [m('foo', '=', 'bar')]],
    ['{foo=~"bar.*"}', [m('foo', '=~', 'bar.*')]],
    ['{foo!="bar"}', [m('foo', '!=', 'bar')]],
    ['{foo!~"bar.*"}', [m('foo', '!~', 'bar.*')]],
    ['{foo="bar", baz!="quux"}', [m('foo', '=', 'bar'), m('baz', '!=', 'quux')]],
    [
      '{foo="bar",baz!~".*quux", derp="wat"}',
      [m('foo', '=', 'bar'), m('baz', '!~', '.*quux'), m('derp', '=', 'wat')],
    ],
    ['{foo="bar", instance=~"some-api.*"}', [m('foo', '=', 'bar'), m('instance', '=~', 'some-api.*')]],
    ['{foo=""}', [m('foo', '=', '')]],
    ['{foo="bar,quux", job="job1"}', [m('foo', '=', 'bar,quux'), m('job', '=', 'job1')]],
    ['{foo = "bar", dings != "bums", }', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
    ['foo=bar,dings!=bums', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
    [
      '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
      [m('quote', '=', 'She said: "Hi, ladies! That\'s gender-neutral…"')],
    ],
    ['statuscode=~"5.."', [m('statuscode', '=~', '5..')]],
    ['tricky=~~~', [m('tricky', '=~', '~~')]],
    ['trickier==\\\\=\\=\\"', [m('trickier', '=', '=\\=\\="')]],
    [
      'contains_quote != "\\"" , contains_comma !~ "foo,bar" , ',
      [m('contains_quote', '!=', '"'), m('contains_comma', '!~', 'foo,bar')],
    ],
    ['job=', [m('job', '=', '')]],
    ['alertname=~"foo.*"', [m('alertname', '=~', 'foo.*')]],
    ['alertname=~foo.*', [m('alertname', '=~', 'foo.*')]],
    ['new_line="a\\nb"', [m('new_line', '=', 'a\nb')]],
  ])('%s', (input, expected) => {
    expect(parseMatchers(input)).toEqual(expected);
  });

  it.each([
    ['job="value', 'matcher value contains unescaped double quote: "value'],
    ['job=value"', 'matcher value contains unescaped double quote: value"'],
    ['trickier==\\\\=\\=\\""', 'matcher value contains unescaped double quote: =\\\\=\\=\\""'],
    ['contains_unescaped_quote = foo"bar', 'matcher value contains unescaped double quote: foo"bar'],
    ['{invalid-name = "valid label"}', 'bad matcher format: invalid-name = "valid label"'],
    ['"{foo=\\"bar"}', 'bad matcher format: "{foo=\\"bar"'],
    ['"foo=\\"bar"', 'bad matcher format: "foo=\\"bar"'],
    ['"foo="bar""', 'bad matcher format: "foo="bar""'],
  ])('%s is refused: %s', (input, message) => {
    expect(() => parseMatchers(input)).toThrow(message);
  });

  it("refuses an invalid regex (the wording is JavaScript's, not Go's)", () => {
    expect(() => parseMatchers('{foo=~"invalid[regexp"}')).toThrow(
      /invalid regular expression "invalid\[regexp"/,
    );
  });
});

describe('matching', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['target=~"one"', { target: 'one-api' }, false], // anchored at both ends
    ['target=~"one.*"', { target: 'one-api' }, true],
    ['target=~"api"', { target: 'one-api' }, false],
    ['target!~"one.*"', { target: 'mall-go' }, true],
    ['target!~"one.*"', {}, true], // a missing label is "", which does not match one.*
    ['target!=db', {}, true],
    ['target=""', {}, true],
    ['target=~".+"', {}, false],
    ['alertname=~"(?i)highgoroutines"', { alertname: 'HighGoroutines' }, true], // RE2's flag group
    ['alertname=~"(?i)high"', { alertname: 'HighGoroutines' }, false],
    ['alertname=~"a|b"', { alertname: 'ab' }, false], // the alternation is inside the anchors
    ['x="a\\nb"', { x: 'a\nb' }, true],
    ['constructor=""', {}, true], // own labels only: Object.prototype has none
  ])('%s on %j: %s', (text, labels, expected) => {
    expect(compileMatchers([parseMatcher(text)])(labels)).toBe(expected);
  });

  it('needs every matcher to hold', () => {
    const matches = compileMatchers(parseMatchers('alertname=HighGoroutines,target=~"one-.*"'));
    expect(matches({ alertname: 'HighGoroutines', target: 'one-api' })).toBe(true);
    expect(matches({ alertname: 'HighGoroutines', target: 'db' })).toBe(false);
  });

  it.each<[string, boolean]>([
    ['a=""', true],
    ['a=~".*"', true],
    ['a=~"x|"', true],
    ['a=~"x"', false],
    ['a!=""', false],
    // silence.go: only = and =~ count as matching the empty string.
    ['a!~"x"', false],
    ['a!="x"', false],
  ])('%s matches the empty string: %s', (text, expected) => {
    expect(matchesEmpty(parseMatcher(text))).toBe(expected);
  });

  it.each<[Matcher, string | undefined]>([
    [m('a', '=', 'b'), undefined],
    [m('1a', '=', 'b'), 'invalid label name "1a"'],
    [m('a:b', '=', 'b'), 'invalid label name "a:b"'],
    [m('a', '=~', '('), expect.stringMatching(/^invalid regular expression "\("/) as unknown as string],
  ])('matcherProblem(%j)', (matcher, problem) => {
    expect(matcherProblem(matcher)).toEqual(problem);
  });
});

describe('printing and the API shape', () => {
  it.each<[Matcher, string]>([
    [m('alertname', '=', 'HighGoroutines'), 'alertname="HighGoroutines"'],
    [m('target', '=~', 'one-.*'), 'target=~"one-.*"'],
    [m('q', '!=', 'say "hi"\\\n'), 'q!="say \\"hi\\"\\\\\\n"'],
  ])('%j prints as %s, which parses back', (matcher, text) => {
    expect(formatMatcher(matcher)).toBe(text);
    expect(parseMatcher(text)).toEqual(matcher);
  });

  it.each<[Matcher['type'], boolean, boolean]>([
    ['=', true, false],
    ['!=', false, false],
    ['=~', true, true],
    ['!~', false, true],
  ])('%s is isEqual %s, isRegex %s, both ways', (type, isEqual, isRegex) => {
    const matcher = m('a', type, 'b');
    expect(toApiMatcher(matcher)).toEqual({ isEqual, isRegex, name: 'a', value: 'b' });
    expect(fromApiMatcher(toApiMatcher(matcher))).toEqual(matcher);
  });
});
