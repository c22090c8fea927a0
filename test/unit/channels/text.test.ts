import {
  byteLength,
  charLength,
  joinWithinLimit,
  type Measure,
  sliceBytes,
  takeWithinBudget,
  truncateBytes,
  truncateChars,
  truncateUtf16,
  utf16Length,
} from '../../../functions/channels/text';

const FAMILY = '👨\u200d👩\u200d👧\u200d👦'; // 4 people joined by ZWJ: 7 code points, 11 UTF-16 units, 25 bytes
const FLAG = '🇨🇳'; // two regional indicators
const ACCENT = 'e\u0301'; // e + combining acute

describe('measures', () => {
  it.each([
    { text: 'abc', bytes: 3, chars: 3, units: 3 },
    { text: '告警', bytes: 6, chars: 2, units: 2 },
    { text: '🔥', bytes: 4, chars: 1, units: 2 },
    { text: FAMILY, bytes: 25, chars: 7, units: 11 },
    { text: FLAG, bytes: 8, chars: 2, units: 4 },
  ])('$text', ({ text, bytes, chars, units }) => {
    expect([byteLength(text), charLength(text), utf16Length(text)]).toEqual([bytes, chars, units]);
  });
});

describe('cutting on grapheme boundaries', () => {
  it.each([
    { name: 'CJK by bytes', cut: () => sliceBytes('告警告警', 7), expected: '告警' },
    { name: 'ZWJ sequence by bytes', cut: () => sliceBytes(`a${FAMILY}`, 20), expected: 'a' },
    { name: 'flag by bytes', cut: () => sliceBytes(`${FLAG}${FLAG}`, 12), expected: FLAG },
    { name: 'combining mark by chars', cut: () => truncateChars(`ab${ACCENT}cd`, 4), expected: 'ab…' },
    { name: 'emoji by UTF-16 units', cut: () => truncateUtf16('ab🔥cd', 4), expected: 'ab…' },
    { name: 'suffix counted', cut: () => truncateBytes('abcdef', 5), expected: 'ab…' },
    { name: 'no cut when it fits', cut: () => truncateChars('告警', 2), expected: '告警' },
    { name: 'budget below the suffix', cut: () => truncateBytes('告警', 2), expected: '' },
  ])('$name', ({ cut, expected }) => {
    expect(cut()).toBe(expected);
  });

  // Fuzz: random texts of awkward graphemes, random limits, every measure.
  const POOL = ['a', ' ', '告', '🔥', FAMILY, FLAG, ACCENT, '\n', '&', '<'];
  const MEASURES: [string, Measure, (t: string, n: number) => string][] = [
    ['bytes', byteLength, truncateBytes],
    ['chars', charLength, truncateChars],
    ['utf16', utf16Length, truncateUtf16],
  ];
  it.each(MEASURES)('never exceeds the limit nor splits a grapheme (%s)', (_name, measure, truncate) => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    for (let round = 0; round < 500; round++) {
      const text = Array.from(
        { length: Math.floor(random() * 30) },
        () => POOL[Math.floor(random() * POOL.length)],
      ).join('');
      const max = Math.floor(random() * (measure(text) + 5));
      const cut = truncate(text, max);
      expect(measure(cut)).toBeLessThanOrEqual(Math.max(max, 0));
      expect(cut.isWellFormed()).toBe(true);
      const kept = cut.endsWith('…') && cut !== text ? cut.slice(0, -1) : cut;
      expect(text.startsWith(kept)).toBe(true);
      const boundaries = new Set([0, ...[...segmenter.segment(text)].map((s) => s.index + s.segment.length)]);
      expect(boundaries.has(kept.length)).toBe(true);
    }
  });
});

describe('takeWithinBudget', () => {
  const fitsSum = (max: number) => (kept: readonly number[], omitted: readonly number[]) =>
    kept.reduce((a, b) => a + b, 0) + (omitted.length > 0 ? 1 : 0) <= max;

  it('keeps everything when everything fits', () => {
    expect(takeWithinBudget([1, 2, 3], fitsSum(6))).toEqual({ kept: [1, 2, 3], omitted: [] });
  });

  it('keeps the longest prefix that fits with the note', () => {
    expect(takeWithinBudget([3, 3, 3, 3], fitsSum(8))).toEqual({ kept: [3, 3], omitted: [3, 3] });
  });

  it('always keeps the first item', () => {
    expect(takeWithinBudget([100, 1], fitsSum(5))).toEqual({ kept: [100], omitted: [1] });
  });

  it('handles an empty list', () => {
    expect(takeWithinBudget([], fitsSum(0))).toEqual({ kept: [], omitted: [] });
  });
});

describe('joinWithinLimit', () => {
  it('adds "+N more" for what does not fit', () => {
    expect(joinWithinLimit(['aaa', 'bbb', 'ccc', 'ddd', 'eee'], '\n', 15, charLength)).toEqual({
      text: 'aaa\nbbb\n+3 more',
      omitted: 3,
    });
  });

  it('cuts the first entry when not even it fits, on a boundary', () => {
    const { text, omitted } = joinWithinLimit([`告警${FAMILY}告警`, 'b'], '\n', 20, byteLength);
    expect(omitted).toBe(1);
    expect(byteLength(text)).toBeLessThanOrEqual(20);
    expect(text).toBe('告警…\n+1 more');
  });
});
