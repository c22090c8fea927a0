/** The sources the evaluator reads: each series once, in Prometheus' label order; a round's scrape plus history. */
import {
  evaluateInstant,
  memorySource,
  parsePromql,
  ScrapeSource,
  type SeriesSamples,
} from '../../../functions/promql';

const AT = 1_700_000_000_000;
const M = { label: '__name__', op: '=' as const, value: 'm' };

const names = (series: Iterable<SeriesSamples>) =>
  [...series].map((s) =>
    JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)))),
  );

describe('memorySource', () => {
  it('hands out series in labels.Compare order (an upper-case label sorts before __name__)', () => {
    const source = memorySource([
      { labels: { __name__: 'm', b: '1' }, samples: [] },
      { labels: { __name__: 'm', A: 'x' }, samples: [] },
      { labels: { __name__: 'm', a: '2' }, samples: [] },
      { labels: { __name__: 'm', a: '10' }, samples: [] },
    ]);
    expect(names(source.select([M], 0, AT))).toEqual([
      '{"A":"x","__name__":"m"}',
      '{"__name__":"m","a":"10"}',
      '{"__name__":"m","a":"2"}',
      '{"__name__":"m","b":"1"}',
    ]);
  });
});

describe('ScrapeSource', () => {
  it('holds the scrape at its time, with target labels and the page’s own kept as exported_', () => {
    const source = new ScrapeSource({ atMs: AT, targetLabels: { job: 'api', instance: 'h:1' } });
    source.addScraped([
      { name: 'm', labels: { instance: 'inner', z: '1' }, value: 2 },
      { name: 'm', labels: { z: '0' }, value: 1 },
    ]);
    expect([...source.select([M], AT - 1, AT)]).toEqual([
      {
        labels: { __name__: 'm', exported_instance: 'inner', instance: 'h:1', job: 'api', z: '1' },
        samples: [{ t: AT, v: 2 }],
      },
      { labels: { __name__: 'm', instance: 'h:1', job: 'api', z: '0' }, samples: [{ t: AT, v: 1 }] },
    ]);
  });

  it('joins each scraped series to its history and ends a series the scrape lacks with a staleness marker', () => {
    const history: SeriesSamples[] = [
      { labels: { __name__: 'm', k: 'kept' }, samples: [{ t: AT - 60_000, v: 1 }] },
      { labels: { __name__: 'm', k: 'gone' }, samples: [{ t: AT - 60_000, v: 5 }] },
    ];
    const source = new ScrapeSource({ atMs: AT, history });
    source.addScraped([{ name: 'm', labels: { k: 'kept' }, value: 3 }]);
    expect([...source.select([M], 0, AT)]).toEqual([
      {
        labels: { __name__: 'm', k: 'gone' },
        samples: [
          { t: AT - 60_000, v: 5 },
          { t: AT, v: Number.NaN, stale: true },
        ],
      },
      {
        labels: { __name__: 'm', k: 'kept' },
        samples: [
          { t: AT - 60_000, v: 1 },
          { t: AT, v: 3 },
        ],
      },
    ]);
    // An instant selector sees no stale series; a range function still uses its earlier samples.
    expect(evaluateInstant(parsePromql('count(m)'), source, AT)).toEqual({
      type: 'vector',
      series: [{ labels: {}, value: 1 }],
    });
    expect(evaluateInstant(parsePromql('count(count_over_time(m[5m]))'), source, AT)).toEqual({
      type: 'vector',
      series: [{ labels: {}, value: 2 }],
    });
  });

  it('adds a recording rule’s results without target labels, and orders a selection across families', () => {
    const source = new ScrapeSource({ atMs: AT, targetLabels: { job: 'api' } });
    source.addScraped([{ name: 'b', labels: {}, value: 1 }]);
    source.addRecorded([{ name: 'a', labels: { job: 'api' }, value: 2 }]);
    expect(names(source.select([{ label: 'job', op: '=', value: 'api' }], 0, AT))).toEqual([
      '{"__name__":"a","job":"api"}',
      '{"__name__":"b","job":"api"}',
    ]);
  });
});
