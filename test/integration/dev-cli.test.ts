/**
 * `vigil dev` as a user runs it: the CLI in-process for --once and usage errors, and the real binary in a child
 * process for a short real-time run stopped with Ctrl-C (SIGINT), which must exit on its own, cleanly.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../functions/cli/main';
import { captureIo } from '../helpers/io';
import { eventually, freePort } from '../helpers/processes';

const BIN = join(__dirname, '../../functions/cli/vigil.cjs');

/** The example vigil.yml (and the rule file it names), probing a demo service on `port`, in a fresh directory. */
function exampleConfig(port: number): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dev-cli-'));
  const file = join(dir, 'vigil.yml');
  const example = readFileSync(join(__dirname, '../../vigil.yml'), 'utf8');
  // A group wait far below the 200 ms interval of the fast cycle below, so each level is its own round's message.
  writeFileSync(
    file,
    `${example.replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`)}\nalerts:\n  groupWait: 50ms\n`,
  );
  mkdirSync(join(dir, 'examples/demo-service'), { recursive: true });
  copyFileSync(
    join(__dirname, '../../examples/demo-service/rules.yml'),
    join(dir, 'examples/demo-service/rules.yml'),
  );
  return { dir, file };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('vigil dev CLI', () => {
  it('--once runs one round, prints it and exits 0', async () => {
    const demoPort = await freePort();
    const { dir, file } = exampleConfig(demoPort);
    const state = join(dir, '.vigil');
    const { io: streams, out } = captureIo({ ...process.env, NO_COLOR: '1' });

    const code = await main(
      [
        'dev',
        '--once',
        '--config',
        file,
        '--port',
        '0',
        '--demo-port',
        String(demoPort),
        '--state-dir',
        state,
      ],
      streams,
    );

    expect(code).toBe(0);
    expect(out()).toMatch(
      /round 1 \(demo steady\): one-api up \d+ms Goroutines=\d+ MemoryAllocMB=180 \| mall-go up/,
    );
    expect(out()).toContain('vigil dev stopped after 1 round(s)');
    // npm start says where the page is: on the intake's port.
    expect(out()).toMatch(
      /alerts in at POST http:\/\/127\.0\.0\.1:(\d+)\/alerts, page http:\/\/127\.0\.0\.1:\1\//,
    );
    expect(readFileSync(join(state, 'metrics.jsonl'), 'utf8')).toContain('"MetricName":"Goroutines"');
    expect(await refusesConnections(demoPort)).toBe(true);
  });

  it.each([
    ['an interval without a unit', ['--interval', '5'], '--interval must be a duration'],
    ['an interval below the minimum', ['--interval', '10ms'], '--interval must be at least 100ms'],
    ['a bad port', ['--port', '70000'], '--port must be 0-65535'],
    ['demo flags with --no-demo', ['--no-demo', '--demo-cycle', '1m'], 'no effect with --no-demo'],
    ['an unknown flag', ['--frobnicate'], "Unknown option '--frobnicate'"],
  ])('exits 2 on %s', async (_name, flags, message) => {
    const { io: streams, err } = captureIo({ ...process.env, NO_COLOR: '1' });

    const code = await main(['dev', ...flags], streams);

    expect(code).toBe(2);
    expect(err()).toContain(message);
  });

  it('exits 1 with advice when the demo port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const { dir, file } = exampleConfig(port);
    const { io: streams, err } = captureIo({ ...process.env, NO_COLOR: '1' });

    const code = await main(
      [
        'dev',
        '--once',
        '--config',
        file,
        '--port',
        '0',
        '--demo-port',
        String(port),
        '--state-dir',
        join(dir, 's'),
      ],
      streams,
    );
    await new Promise((resolve) => holder.close(resolve));

    expect(code).toBe(1);
    expect(err()).toContain(`the demo service cannot listen on 127.0.0.1:${port}: the port is in use`);
    expect(err()).toContain('--demo-port (or --no-demo)');
  });

  it('Ctrl-C stops a running session: notifications were sent, the process exits 0 on its own', async () => {
    const demoPort = await freePort();
    const { dir, file } = exampleConfig(demoPort);
    const state = join(dir, '.vigil');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'dev',
        '--config',
        file,
        '--port',
        '0',
        '--demo-port',
        String(demoPort),
        '--state-dir',
        state,
        // A fast cycle: warning → critical → emergency → restart → resolved in about 8 s.
        '--interval',
        '200ms',
        '--demo-cycle',
        '8s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    try {
      await eventually(() => (out.includes('notified RESOLVED emergency') ? true : undefined), 40_000).catch(
        (error: Error) => {
          throw new Error(`${error.message}: the emergency to resolve; output:\n${out}`);
        },
      );
    } finally {
      child.kill('SIGINT');
    }
    const code = await exited;

    expect(code).toBe(0);
    const order = [
      'notified FIRING warning vigil-dev-one-api-Goroutines-warning',
      'notified FIRING critical vigil-dev-one-api-Goroutines-critical',
      'notified FIRING emergency vigil-dev-one-api-Goroutines-emergency',
      'notified RESOLVED emergency vigil-dev-one-api-Goroutines-emergency',
    ].map((line) => out.indexOf(line));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(out).toContain('🚨 FIRING emergency: vigil-dev-one-api-Goroutines-emergency');
    expect(out).toMatch(/vigil dev stopped after \d+ round\(s\)/);
    expect(await refusesConnections(demoPort)).toBe(true);
    expect(existsSync(join(state, 'metrics.jsonl'))).toBe(true);
    expect(JSON.parse(readFileSync(join(state, 'alarms.json'), 'utf8')).version).toBe(1);
  });
});
