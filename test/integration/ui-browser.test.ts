/// <reference lib="dom" />
// (The functions passed to page.evaluate run in the browser: they need the DOM types.)
/**
 * The page in a real browser (Debian's Chromium, headless, via playwright-core) during a real `vigil dev` run
 * against the demo service, fast-forwarded: a 12 s leak cycle probed every 250 ms, so the warning fires within
 * seconds. Every check waits for a condition on the page, never for a fixed time, so a loaded machine only makes
 * it slower.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import { type DevSession, startDev } from '../../functions/dev/run';
import { type Browser, openBrowser } from '../helpers/browser';
import { freePort } from '../helpers/processes';

const INTERVAL_MS = 250;
const DEMO_CYCLE_MS = 12_000;
/** Generous for a 2-core machine shared with other test runs; the demo reaches its warning in ~4 s. */
const WAIT_MS = 30_000;
const HOSTILE = '<img src=x onerror="window.__pwned=1">\u001b[31m\u202eevil';

jest.setTimeout(90_000);

let session: DevSession;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const demoPort = await freePort();
  const example = readFileSync(join(__dirname, '../../vigil.yml'), 'utf8').replaceAll(
    '127.0.0.1:3000',
    `127.0.0.1:${demoPort}`,
  );
  session = await startDev({
    config: parseConfig(`${example}\nalerts:\n  groupWait: 50ms\n`),
    intervalMs: INTERVAL_MS,
    port: 0,
    demo: { port: demoPort, cycleMs: DEMO_CYCLE_MS },
    stateDir: mkdtempSync(join(tmpdir(), 'vigil-ui-browser-')),
    view: { handle: () => undefined, print: () => undefined, close: () => undefined },
  });
  base = session.webhookUrl.replace(/\/alerts$/, '');
  browser = await openBrowser();
  await browser.page.goto(`${base}/`);
  await browser.page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
});

afterAll(async () => {
  await browser?.close();
  await session?.stop();
});

const goroutines = '.chart[data-metric="Goroutines"]';

it('draws every metric as a chart with data, and the thresholds as lines of their severity colour', async () => {
  const { page } = browser;
  await page.waitForFunction(
    (selector) => Number(document.querySelector<HTMLElement>(selector)?.dataset.points ?? 0) >= 5,
    goroutines,
    { timeout: WAIT_MS },
  );

  const drawn = await page.evaluate((selector) => {
    const holder = document.querySelector<HTMLElement>(selector)!;
    const canvas = holder.querySelector('canvas')!;
    const context = canvas.getContext('2d')!;
    const lines = JSON.parse(holder.dataset.thresholds ?? '[]') as {
      severity: string;
      x: number;
      y: number;
    }[];
    return lines.map((line) => ({
      severity: line.severity,
      rgb: [...context.getImageData(line.x, line.y, 1, 1).data.slice(0, 3)],
    }));
  }, goroutines);
  const charts = await page.$$eval('.chart', (nodes) =>
    nodes.map((node) => (node as HTMLElement).dataset.metric),
  );

  expect(charts).toEqual(
    expect.arrayContaining([
      'ProbeSuccess',
      'Goroutines',
      'MemoryAllocMB',
      'GoGoroutines',
      'RequestsByMethod',
      'phases',
    ]),
  );
  // charts.mjs SEVERITY_COLOURS: warning #e0a800, critical #e8590c, emergency #c92a2a.
  expect(drawn.map((line) => line.severity)).toEqual(['warning', 'critical', 'emergency']);
  const colours: Record<string, number[]> = {
    warning: [0xe0, 0xa8, 0x00],
    critical: [0xe8, 0x59, 0x0c],
    emergency: [0xc9, 0x2a, 0x2a],
  };
  for (const line of drawn) {
    const distance = line.rgb.reduce(
      (sum, value, index) => sum + Math.abs(value - colours[line.severity]![index]!),
      0,
    );
    expect({ severity: line.severity, distance: distance < 40 }).toEqual({
      severity: line.severity,
      distance: true,
    });
  }
});

it('shows new rounds as they happen, without a reload', async () => {
  const { page } = browser;
  const before = await page.evaluate(() => ({
    round: Number(document.body.dataset.round),
    points: Number(document.querySelector<HTMLElement>('.chart[data-metric="Goroutines"]')?.dataset.points),
  }));

  await page.waitForFunction(
    (start) =>
      Number(document.body.dataset.round) >= start.round + 4 &&
      Number(document.querySelector<HTMLElement>('.chart[data-metric="Goroutines"]')?.dataset.points) >
        start.points,
    before,
    { timeout: WAIT_MS },
  );

  expect(await page.locator('#live').textContent()).toBe('live');
});

it('shows a firing alarm as firing, and shades its period on the chart', async () => {
  const { page } = browser;
  const row = page.locator('tr[data-alarm="vigil-dev-one-api-Goroutines-warning"]');

  await row.and(page.locator('[data-state="ALARM"]')).waitFor({ timeout: WAIT_MS });
  await page.waitForFunction(
    (selector) => Number(document.querySelector<HTMLElement>(selector)?.dataset.shaded ?? 0) >= 1,
    goroutines,
    { timeout: WAIT_MS },
  );

  expect(await row.locator('.badge').first().textContent()).toBe('ALARM');
  expect(await page.locator('#alarm-count').textContent()).toMatch(/\d+ firing/);
});

it('shows a hostile label as text: no element is created, nothing runs, invisible characters are written out', async () => {
  const { page } = browser;
  const posted = await fetch(`${base}/alerts`, {
    method: 'POST',
    body: JSON.stringify({
      alerts: [
        {
          labels: { alertname: 'HostileLabel', severity: 'warning', evil: HOSTILE },
          annotations: { summary: '<b>bold?</b>' },
        },
      ],
    }),
  });
  expect(posted.status).toBe(200);

  const label = page.locator('#records .label', { hasText: 'evil=' });
  await label.waitFor({ timeout: WAIT_MS });

  expect(await label.textContent()).toBe(
    'evil=<img src=x onerror="window.__pwned=1">\\u{1b}[31m\\u{202e}evil',
  );
  expect(await page.locator('#records img, #recent img, #records b').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('#records', { hasText: '<b>bold?</b>' }).count()).toBe(1);
});

it('logged no error in the browser console', () => {
  expect(browser.problems).toEqual([]);
});
