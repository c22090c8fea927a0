/** The probe round's guarantees: bounded concurrency, and a deadline that reports unfinished targets instead of losing them. */
import { parseConfig } from '../../functions/config/load';
import { datumsFromResults } from '../../functions/metrics/datums';
import { runRound } from '../../functions/probing/run';
import { hangBeforeHeaders, startHttpServer, type TestServer } from '../helpers/servers';

let slow: TestServer;
let hang: TestServer;
let inFlight = 0;
let peak = 0;

beforeAll(async () => {
  slow = await startHttpServer((_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }, 50);
  });
  hang = await startHttpServer(hangBeforeHeaders());
});

afterAll(async () => {
  await slow.close();
  await hang.close();
});

function config(urls: string[], concurrency: number, timeout = '5s') {
  return parseConfig(
    `probe: { concurrency: ${concurrency}, timeout: ${timeout} }\ntargets:\n${urls.map((url, i) => `  - { name: t${i}, url: "${url}" }`).join('\n')}\n`,
  );
}

describe('probe round', () => {
  it.each([1, 3, 8])('never has more than %d targets in flight', async (concurrency) => {
    peak = 0;
    const report = await runRound(
      config(
        Array.from({ length: 12 }, (_, i) => `${slow.url}/${i}`),
        concurrency,
      ),
    );
    expect(report.results.every((result) => result.success)).toBe(true);
    expect(peak).toBe(concurrency);
  });

  it('stops at the deadline and reports every target it could not finish', async () => {
    const report = await runRound(config([`${hang.url}/a`, `${hang.url}/b`, `${hang.url}/c`], 1, '30s'), {
      deadline: Date.now() + 300,
    });
    expect(report.results.map((result) => [result.target, result.success, result.reason])).toEqual([
      ['t0', false, 'deadline'],
      ['t1', false, 'deadline'],
      ['t2', false, 'deadline'],
    ]);
    expect(report.unfinished).toEqual(['t0', 't1', 't2']);
  });

  it('keeps results in config order whatever finishes first', async () => {
    const report = await runRound(config([`${hang.url}/x`, `${slow.url}/y`], 2, '300ms'));
    expect(report.results.map((result) => [result.target, result.reason])).toEqual([
      ['t0', 'timeout'],
      ['t1', undefined],
    ]);
  });

  it('a round cut short every time still reaches every target: each round starts elsewhere', async () => {
    // Six targets of 50 ms one at a time, a round with time for about two: config order would probe t0 and t1 forever.
    const six = config(
      Array.from({ length: 6 }, (_, i) => `${slow.url}/${i}`),
      1,
    );
    const probed = new Set<string>();
    const T0 = Date.parse('2026-12-01T10:00:00Z');
    for (let round = 0; round < 12; round++) {
      const report = await runRound(six, {
        deadline: Date.now() + 130,
        now: () => new Date(T0 + round * 60_000),
      });
      expect(report.results.map((result) => result.target)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
      for (const result of report.results) if (result.success) probed.add(result.target);
    }
    expect([...probed].sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
  });

  it('a target whose secret cannot be read is not probed, and publishes nothing (not down)', async () => {
    const withSecret = parseConfig(
      `targets:\n  - { name: vault, url: "\${ssm:/vigil/api-url}" }\n  - { name: plain, url: "${slow.url}/p" }\n`,
    );
    const report = await runRound(withSecret, {
      secrets: {
        ssm: async () => {
          throw new Error('ThrottlingException: Rate exceeded');
        },
      },
    });
    expect(report.results.map((result) => [result.target, result.success, result.reason])).toEqual([
      ['vault', false, 'secret'],
      ['plain', true, undefined],
    ]);
    const { datums } = datumsFromResults(report.results);
    expect(datums.some((datum) => datum.Dimensions.some((d) => d.Value === 'vault'))).toBe(false);
    expect(datums.some((datum) => datum.Dimensions.some((d) => d.Value === 'plain'))).toBe(true);
  });
});
