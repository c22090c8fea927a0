/** The probe round's guarantees: bounded concurrency, and a deadline that reports unfinished targets instead of losing them. */
import { parseConfig } from '../../functions/config/load';
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
});
