/**
 * The official JSONPath Compliance Test Suite (RFC 9535), every case. We may not commit a copy of cts.json, so it
 * is read from the npm tarball of jsonpath-rfc9535, which ships it and is kept as a devDependency for this only.
 * Valid selectors must give exactly one of the allowed results; invalid ones must be rejected by the check
 * `vigil validate` runs (jsonPathError, also used by the config schema).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { jsonPathError, selectAll } from '../../../functions/probing/jsonpath';

interface CtsCase {
  name: string;
  selector: string;
  document?: unknown;
  result?: unknown[];
  results?: unknown[][];
  invalid_selector?: true;
}

// The package's exports map hides the file from require.resolve; it is at a fixed place in the tarball.
const CTS_FILE = join(
  __dirname,
  '../../../node_modules/jsonpath-rfc9535/src/__tests__/jsonpath-compliance-test-suite/cts.json',
);
const cases = (JSON.parse(readFileSync(CTS_FILE, 'utf8')) as { tests: CtsCase[] }).tests;
const valid = cases.filter((test) => test.invalid_selector !== true);
const invalid = cases.filter((test) => test.invalid_selector === true);

describe('JSONPath compliance test suite (RFC 9535)', () => {
  it('has the whole suite to run', () => {
    // The suite jsonpath-rfc9535 1.3.0 ships; a newer package version may ship more cases, never fewer.
    expect(cases.length).toBeGreaterThanOrEqual(687);
    expect(valid.length + invalid.length).toBe(cases.length);
  });

  it.each(valid)('$name: $selector', ({ selector, document, result, results }) => {
    expect(jsonPathError(selector)).toBeUndefined();
    const found = selectAll(document, selector);
    const allowed = results ?? [result];
    expect({ found, allowed: allowed.some((candidate) => isDeepStrictEqual(candidate, found)) }).toEqual({
      found,
      allowed: true,
    });
  });

  it.each(invalid)('$name: $selector is rejected', ({ selector }) => {
    expect(jsonPathError(selector)).toMatch(/is not a valid JSONPath \(RFC 9535\): /);
  });
});

// Newer suite versions (703 cases) test chains of && and ||, where jsonpath-rfc9535 1.3.0 read `a && b && c` as
// `a && (b || c)`: a health check could pass that should fail. Our own cases, written for health documents.
describe('&& binds tighter than ||, and chains of each hold every operand', () => {
  const checks = [
    { name: 'db', up: true, ready: false, live: true },
    { name: 'cache', up: true, ready: true, live: true },
    { name: 'queue', up: false, ready: true, live: true },
    { name: 'search', up: false, ready: false, live: false },
  ];
  it.each([
    ['$[?@.up == true && @.ready == true && @.live == true].name', ['cache']],
    ['$[?@.up == false && @.ready == false && @.live == false].name', ['search']],
    ['$[?@.up == false || @.ready == false || @.live == false].name', ['db', 'queue', 'search']],
    ['$[?@.up == true && @.ready == true || @.live == false].name', ['cache', 'search']],
    ['$[?@.live == false || @.up == true && @.ready == true].name', ['cache', 'search']],
    ['$[?(@.live == false || @.up == true) && @.ready == true].name', ['cache']],
  ])('%s selects %j', (selector, names) => {
    expect(selectAll(checks, selector)).toEqual(names);
  });
});
