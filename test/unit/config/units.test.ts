import { formatDuration, parseDuration, parseSize } from '../../../functions/config/units';

describe('units', () => {
  it.each([
    ['800ms', 800],
    ['5s', 5000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['5', undefined],
    ['5 s', undefined],
    ['-1s', undefined],
    ['fast', undefined],
  ])('parseDuration(%j) = %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['10MB', 10 * 1024 * 1024],
    ['512KB', 512 * 1024],
    ['1gb', 1024 ** 3],
    ['100B', 100],
    ['10', undefined],
    ['ten MB', undefined],
  ])('parseSize(%j) = %j', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    [800, '800ms'],
    [1500, '1.5s'],
    [60_000, '1m'],
    [3_600_000, '1h'],
  ])('formatDuration(%j) = %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
