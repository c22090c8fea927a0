import { breaches, COMPARISONS, parseComparison } from '../../../functions/alarms/threshold';

describe('threshold comparisons', () => {
  it.each([
    ['> 2000', '>', 2000, 'GreaterThanThreshold'],
    ['>= 5', '>=', 5, 'GreaterThanOrEqualToThreshold'],
    ['< 0.5', '<', 0.5, 'LessThanThreshold'],
    ['<=-1', '<=', -1, 'LessThanOrEqualToThreshold'],
    ['  >   1e3 ', '>', 1000, 'GreaterThanThreshold'],
  ] as const)('%j → %s %d (%s)', (text, op, threshold, cloudwatch) => {
    const parsed = parseComparison(text);
    expect(parsed).toEqual({ op, threshold });
    if ('op' in parsed) expect(COMPARISONS[parsed.op]).toBe(cloudwatch);
  });

  it.each(['> abc', '2000', '== 5', '>', '> 1 2', ''])('rejects %j with advice', (text) => {
    const parsed = parseComparison(text);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(/operator \(>, >=, <, <=\) and a number/);
  });

  it.each([
    [2001, '> 2000', true],
    [2000, '> 2000', false],
    [2000, '>= 2000', true],
    [0.4, '< 0.5', true],
    [0.5, '<= 0.5', true],
  ])('%d breaches %j: %s', (value, text, expected) => {
    const parsed = parseComparison(text);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(breaches(value, parsed)).toBe(expected);
  });
});
