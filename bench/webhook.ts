/**
 * Webhook throughput and overhead, in one process: Alertmanager payloads through intake → route → render →
 * deliver to loopback vendor fakes (Slack, Feishu with signing, generic webhook), and the latency vigil adds over
 * a direct POST of an already-rendered message to the same fake. Standalone: `npx tsx bench/webhook.ts`.
 */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../functions/config/load';
import type { DeadLetterStore } from '../functions/deadletter/types';
import { deadlineIn } from '../functions/deadline';
import { fetchHttp } from '../functions/notify/post';
import { sqliteStateStore } from '../functions/state/sqlite';
import type { StateStore } from '../functions/state/store';
import type { DispatchDeps } from '../functions/webhook/dispatch';
import { handleWebhookEvent } from '../functions/webhook/pipeline';
import { startFeishuFake } from '../test/fakes/cn-vendors';
import { startSlackFake, startWebhookFake } from '../test/fakes/vendors';
import type { BenchSection } from './types';

const ALERTS_PER_PAYLOAD = 10;
const THROUGHPUT_PAYLOADS = 400;
const THROUGHPUT_CONCURRENCY = 20;
const LATENCY_SAMPLES = 1000;
const WARM_UP = 30;

const memoryDeadLetters: DeadLetterStore = {
  description: 'memory',
  put: async () => undefined,
  list: async () => [],
  remove: async () => undefined,
  requeue: async () => undefined,
};

function deps(state: StateStore): DispatchDeps {
  const now = () => new Date();
  return {
    now,
    deadLetters: memoryDeadLetters,
    state,
    deliver: {
      http: fetchHttp,
      now,
      sleep: async () => undefined,
      random: Math.random,
      deadline: deadlineIn(3_600_000),
    },
  };
}

function alertmanagerBody(alerts: number, seq: number): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="Bench${seq}"}`,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: `Bench${seq}` },
    commonLabels: { severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: Array.from({ length: alerts }, (_, i) => ({
      status: 'firing',
      labels: { alertname: `Bench${seq}`, severity: 'critical', instance: `host-${i}`, job: 'bench' },
      annotations: {
        summary: `instance host-${i} goroutines 5234 > 5000`,
        runbook_url: 'https://example.com/rb',
      },
      startsAt: '2026-11-22T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up',
      fingerprint: `${seq.toString(16)}${i}`,
    })),
  });
}

function httpEvent(body: string) {
  return {
    version: '2.0',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(): Promise<BenchSection> {
  const slack = await startSlackFake();
  const hook = await startWebhookFake();
  const feishu = await startFeishuFake({ secret: 'bench-secret', perSecond: 1e9, perMinute: 1e9 });
  const state = sqliteStateStore(':memory:');
  try {
    const config = parseConfig(`
webhook: { token: bench-token }
channels:
  slack: { type: slack, url: "${slack.url}" }
  audit: { type: webhook, url: "${hook.url}" }
  feishu: { type: feishu, url: "${feishu.url}", secret: bench-secret }
routes:
  - match: { alertname: "~Single.*" }
    channels: [slack]
  - channels: [slack, audit, feishu]
`);
    // Throughput: many payloads in flight, each fanned out to three channels.
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    let failures = 0;
    await Promise.all(
      Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
        while (next < THROUGHPUT_PAYLOADS) {
          const seq = next++;
          const result = await handleWebhookEvent(httpEvent(alertmanagerBody(ALERTS_PER_PAYLOAD, seq)), {
            config,
            deps: deps(state),
          });
          if (
            result.kind !== 'http' ||
            result.response.statusCode !== 200 ||
            (result.report?.deadLettered.length ?? 0) > 0
          )
            failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const alertsPerSecond = (THROUGHPUT_PAYLOADS * ALERTS_PER_PAYLOAD) / seconds;
    const notifications = THROUGHPUT_PAYLOADS * 3;

    // Latency: one alert to one channel, vigil's whole path vs POSTing the rendered message directly.
    const rendered = slack.requests.at(-1)!.body;
    const direct: number[] = [];
    const viaVigil: number[] = [];
    for (let i = 0; i < WARM_UP + LATENCY_SAMPLES; i++) {
      const t0 = performance.now();
      await fetchHttp(
        { url: slack.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: rendered },
        AbortSignal.timeout(10_000),
      );
      const t1 = performance.now();
      await handleWebhookEvent(
        httpEvent(alertmanagerBody(1, 1_000_000 + i).replaceAll('Bench', 'SingleBench')),
        { config, deps: deps(state) },
      );
      const t2 = performance.now();
      if (i >= WARM_UP) {
        direct.push(t1 - t0);
        viaVigil.push(t2 - t1);
      }
    }
    // Added latency per sample pair (taken back to back), not a difference of percentiles: p99(a) − p99(b) says
    // nothing about the tail of what vigil adds and can even come out negative.
    const added = viaVigil.map((ms, i) => ms - direct[i]!).sort((a, b) => a - b);
    direct.sort((a, b) => a - b);
    viaVigil.sort((a, b) => a - b);
    const row = (name: string, values: number[]) =>
      `| ${name} | ${percentile(values, 50).toFixed(2)} | ${percentile(values, 99).toFixed(2)} |`;
    return {
      title: 'Webhook: intake → route → render → deliver',
      markdown: `Alertmanager v4 payloads of ${ALERTS_PER_PAYLOAD} alerts, each routed to 3 channels (Slack, generic webhook, Feishu with signing) on loopback fakes in the same process; ${THROUGHPUT_CONCURRENCY} payloads in flight.

| payloads | alerts | notifications sent | failures | wall | alerts/s | notifications/s | CPU ms per payload |
|---:|---:|---:|---:|---:|---:|---:|---:|
| ${THROUGHPUT_PAYLOADS} | ${THROUGHPUT_PAYLOADS * ALERTS_PER_PAYLOAD} | ${notifications} | ${failures} | ${seconds.toFixed(2)} s | ${Math.round(alertsPerSecond)} | ${Math.round(notifications / seconds)} | ${((cpu.user + cpu.system) / 1000 / THROUGHPUT_PAYLOADS).toFixed(2)} |

Latency of one alert to one Slack channel (${LATENCY_SAMPLES} sequential samples after ${WARM_UP} warm-up), against POSTing the same rendered message directly to the same fake:

| path | p50 ms | p99 ms |
|---|---:|---:|
${row('direct POST (rendered message)', direct)}
${row('vigil (intake, auth, route, render, deliver)', viaVigil)}
| **added by vigil** (per pair: vigil − direct) | **${percentile(added, 50).toFixed(2)}** | **${percentile(added, 99).toFixed(2)}** |`,
    };
  } finally {
    await Promise.all([slack.close(), hook.close(), feishu.close()]);
  }
}

if (require.main === module) {
  run().then((section) => process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`));
}
