/**
 * What `vigil probe` prints and how it exits when publishing goes wrong: resolved secrets never reach the
 * terminal (table, --json, --publish), datums CloudWatch did not take are a failure (exit 1, with the reason), and a
 * CloudWatch endpoint that accepts the connection and never answers cannot hang the command.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../functions/cli/main';
import { clearSecretCache } from '../../functions/config/secrets';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeCloudWatch, startFakeCloudWatch } from '../fakes/cloudwatch';
import { captureIo } from '../helpers/io';
import { redirectTo, respond, startHttpServer, type TestServer } from '../helpers/servers';

const LOOP_TOKEN = 'loop-secret-7d2e91c4';

let loop: TestServer;
let healthy: TestServer;
let cloudwatch: FakeCloudWatch;
let restoreEnv: () => void;
let dir: string;

beforeAll(async () => {
  // Every path redirects to itself: the probe stops with "redirect loop: <url> was already visited".
  loop = await startHttpServer((req, res) => redirectTo(req.url ?? '/')(req, res, ''));
  healthy = await startHttpServer(respond(200, 'ok'));
  cloudwatch = await startFakeCloudWatch();
  restoreEnv = setFakeAwsEnv({ CLOUDWATCH: cloudwatch.url });
  process.env.LOOP_TOKEN = LOOP_TOKEN;
  dir = mkdtempSync(join(tmpdir(), 'vigil-probe-cli-'));
});

afterEach(() => cloudwatch.reset());

afterAll(async () => {
  await Promise.all([loop.close(), healthy.close(), cloudwatch.close()]);
  restoreEnv();
  delete process.env.LOOP_TOKEN;
  clearSecretCache();
});

function configFile(name: string, targets: string): string {
  const file = join(dir, name);
  writeFileSync(file, `namespace: VigilCliTest\nprobe: { timeout: 2s }\ntargets:\n${targets}`);
  return file;
}

describe('resolved secrets in vigil probe output', () => {
  const targets = () => `  - name: looping\n    url: "${loop.url}/loop/\${env:LOOP_TOKEN}"\n`;

  it.each([
    ['the table', [] as string[]],
    ['--json', ['--json']],
    ['--publish', ['--publish']],
  ])('are redacted in %s', async (_case, flags) => {
    const { io, text } = captureIo();
    const code = await main(['probe', '--config', configFile('loop.yml', targets()), ...flags], io);

    expect(code).toBe(0);
    expect(text()).toMatch(/redirect loop: http:\/\/127\.0\.0\.1:\d+\/loop\/\*\*\*/);
    expect(text()).not.toContain(LOOP_TOKEN);
  });
});

describe('vigil probe --publish when CloudWatch does not take the datums', () => {
  const targets = () => `  - name: fine\n    url: "${healthy.url}/"\n`;

  it('exits 1 and says why when every datum fell back to EMF', async () => {
    cloudwatch.failNext(Number.POSITIVE_INFINITY);
    const { io, out } = captureIo();

    const code = await main(['probe', '--config', configFile('fine.yml', targets()), '--publish'], io);

    expect(code).toBe(1);
    expect(out()).toMatch(/published 0 of \d+ datums/);
    expect(out()).toMatch(/not published: \d+ datums CloudWatch did not take \(InternalFailure/);
    expect(cloudwatch.datums).toEqual([]);
  });

  it('keeps --json output pure JSON (EMF lines on stderr) and exits 1 with the reason', async () => {
    cloudwatch.failNext(Number.POSITIVE_INFINITY);
    const { io, out, err } = captureIo();

    const code = await main(
      ['probe', '--config', configFile('fine.yml', targets()), '--publish', '--json'],
      io,
    );

    expect(code).toBe(1);
    const printed = JSON.parse(out());
    expect(printed.summary.publish).toMatchObject({
      sent: 0,
      fallback: [{ error: expect.stringMatching(/^InternalFailure/) }],
    });
    expect(err()).toMatch(/"_aws"/);
    expect(err()).toMatch(/vigil probe: \d+ datums did not reach CloudWatch: InternalFailure/);
  });

  it('exits 0 when CloudWatch took everything', async () => {
    const { io, out } = captureIo();

    const code = await main(['probe', '--config', configFile('fine.yml', targets()), '--publish'], io);

    expect(code).toBe(0);
    expect(out()).toMatch(/published (\d+) of \1 datums in 1 request/);
  });

  it('ends within --timeout when CloudWatch accepts the connection and never answers', async () => {
    cloudwatch.hangNext(Number.POSITIVE_INFINITY);
    const { io, out } = captureIo();
    const started = Date.now();

    const code = await main(
      ['probe', '--config', configFile('fine.yml', targets()), '--publish', '--timeout', '4s'],
      io,
    );

    const elapsed = Date.now() - started;
    expect(code).toBe(1);
    expect(cloudwatch.hung).toBeGreaterThan(0);
    expect(out()).toMatch(/not published: \d+ datums CloudWatch did not take \(the deadline passed/);
    // The bound plus slack for a loaded machine (the EMF fallback and printing follow the deadline).
    expect(elapsed).toBeLessThan(4_000 + 3_000);
  }, 20_000);

  it.each([['0s'], ['soon'], ['16m']])('refuses --timeout %s as a usage error', async (value) => {
    const { io, err } = captureIo();
    expect(await main(['probe', '--config', configFile('fine.yml', targets()), '--timeout', value], io)).toBe(
      2,
    );
    expect(err()).toMatch(/--timeout must be/);
  });
});
