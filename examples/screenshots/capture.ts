/**
 * `npm run screenshot`: regenerates examples/screenshots/dev-page.png, the README's picture of the page. Runs
 * `vigil dev` with the example vigil.yml against the demo service, fast-forwarded (a 40 s leak cycle probed every
 * 500 ms), waits for the emergency level to fire, and photographs the page in headless Chromium.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import { startDev } from '../../functions/dev/run';
import { openBrowser } from '../../test/helpers/browser';
import { freePort } from '../../test/helpers/processes';

const OUT = join(__dirname, 'dev-page.png');
const INTERVAL_MS = 500;
const DEMO_CYCLE_MS = 40_000;
const EMERGENCY_ALARM = 'vigil-dev-one-api-Goroutines-emergency';
/** A few rounds after the emergency fired, so its shading shows on the chart. */
const ROUNDS_AFTER = 4;
const GIVE_UP_MS = 3 * DEMO_CYCLE_MS;

async function capture(): Promise<void> {
  const demoPort = await freePort();
  const example = readFileSync(join(__dirname, '../../vigil.yml'), 'utf8').replaceAll(
    '127.0.0.1:3000',
    `127.0.0.1:${demoPort}`,
  );
  const stateDir = mkdtempSync(join(tmpdir(), 'vigil-screenshot-'));
  let roundsSinceEmergency = -1;
  let ready: () => void = () => undefined;
  const emergency = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const session = await startDev({
    config: parseConfig(`${example}\nalerts:\n  groupWait: 100ms\n`),
    intervalMs: INTERVAL_MS,
    port: 0,
    demo: { port: demoPort, cycleMs: DEMO_CYCLE_MS },
    stateDir,
    view: { handle: () => undefined, print: () => undefined, close: () => undefined },
    onEvent: (event) => {
      if (
        event.kind === 'transition' &&
        event.transition.alarm === EMERGENCY_ALARM &&
        event.transition.to === 'ALARM'
      )
        roundsSinceEmergency = 0;
      if (event.kind === 'round' && roundsSinceEmergency >= 0 && ++roundsSinceEmergency === ROUNDS_AFTER)
        ready();
    },
  });
  const browser = await openBrowser({ width: 1400, height: 1500 });
  try {
    await browser.page.goto(session.webhookUrl.replace(/\/alerts$/, '/'));
    await browser.page.waitForSelector('body[data-ready="true"]');
    const timer = setTimeout(() => ready(), GIVE_UP_MS);
    await emergency;
    clearTimeout(timer);
    if (roundsSinceEmergency < ROUNDS_AFTER)
      throw new Error(`${EMERGENCY_ALARM} did not fire within ${GIVE_UP_MS} ms`);
    await browser.page.locator(`tr[data-alarm="${EMERGENCY_ALARM}"][data-state="ALARM"]`).waitFor();
    await browser.page.screenshot({ path: OUT });
    if (browser.problems.length > 0)
      throw new Error(`the page reported problems:\n${browser.problems.join('\n')}`);
    process.stdout.write(`wrote ${OUT}\n`);
  } finally {
    await browser.close();
    await session.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

capture().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
