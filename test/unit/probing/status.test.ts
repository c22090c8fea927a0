import { statusMatches } from '../../../functions/probing/status';

describe('expect.status', () => {
  it.each([
    [200, 200, true],
    [201, 200, false],
    [204, '2xx', true],
    [301, '2xx', false],
    [404, '4xx', true],
    [250, '200-299', true],
    [300, '200-299', false],
    [429, [200, 429], true],
    [500, ['2xx', '3xx'], false],
    [302, ['2xx', '3xx'], true],
  ] as const)('%s against %j → %s', (status, expected, matches) => {
    expect(statusMatches(status, expected)).toBe(matches);
  });
});
