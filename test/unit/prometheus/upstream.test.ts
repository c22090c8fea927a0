/**
 * The upstream parser test tables (see upstream-cases.ts): every case gets the verdict upstream gives, or the one
 * vigil deliberately gives instead, with the samples vigil keeps. Bodies are decoded as the prometheus kind does.
 */
import {
  type ParsedPage,
  PrometheusParseError,
  parsePrometheusPage,
} from '../../../functions/prometheus/parse';
import { UPSTREAM_CASES, type UpstreamCase, type Verdict } from './upstream-cases';

function parse(testCase: UpstreamCase): ParsedPage | PrometheusParseError {
  const text = typeof testCase.input === 'string' ? testCase.input : testCase.input.toString('utf8');
  try {
    return parsePrometheusPage(text, { format: testCase.format });
  } catch (error) {
    if (error instanceof PrometheusParseError) return error;
    throw error;
  }
}

const expected = (testCase: UpstreamCase): Verdict => testCase.vigil?.verdict ?? testCase.upstream;
const agreeing = UPSTREAM_CASES.filter((testCase) => testCase.vigil === undefined).length;

describe(`upstream parser cases: ${agreeing} of ${UPSTREAM_CASES.length} decided as upstream does`, () => {
  it.each(UPSTREAM_CASES.map((testCase) => [`${testCase.source} ${testCase.name}`, testCase] as const))(
    '%s',
    (_name, testCase) => {
      const result = parse(testCase);
      const verdict: Verdict = result instanceof PrometheusParseError ? 'rejects' : 'accepts';
      expect({ verdict, error: result instanceof Error ? result.message : undefined }).toMatchObject({
        verdict: expected(testCase),
      });
      if (result instanceof PrometheusParseError || testCase.samples === undefined) return;
      if (Array.isArray(testCase.samples)) {
        expect(result.samples).toEqual(testCase.samples);
      } else {
        expect(result.samples).toHaveLength(testCase.samples.count);
        expect(result.samples).toEqual(expect.arrayContaining(testCase.samples.including));
      }
    },
  );

  it('gives a reason for every case decided otherwise', () => {
    for (const testCase of UPSTREAM_CASES) {
      if (testCase.vigil === undefined) continue;
      expect({ name: testCase.name, differs: testCase.vigil.verdict !== testCase.upstream }).toEqual({
        name: testCase.name,
        differs: true,
      });
      expect(testCase.vigil.why.length).toBeGreaterThan(20);
    }
  });

  it('has a name for every case, once per source', () => {
    const names = UPSTREAM_CASES.map((testCase) => `${testCase.source} ${testCase.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
