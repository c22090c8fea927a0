/**
 * A worker as its own process (childProcessDispatch, the bench): `node worker-main <config> <message JSON>` runs
 * the shard with file leases and rate state under the state directory (VIGIL_STATE_DIR, default .vigil; the
 * bucket when VIGIL_STATE_BUCKET is set) and publishes as the Lambda does (PutMetricData through the SDK's
 * standard config), then prints one JSON line: the outcome and the process's peak RSS and CPU.
 */
import { isMainThread } from 'node:worker_threads';
import { loadConfig } from '../../config/load';
import { cloudWatchPublisher } from '../cycle';
import { stateObjects, stateStore } from '../state';
import { OUTCOME_PREFIX } from './local';
import { parseShardMessage, runShard } from './worker';

// The inspection pool's worker threads load this bundle too: only the main thread works the shard.
if (isMainThread && require.main === module) void main();

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig(process.argv[2] ?? 'vigil.yml');
  const message = parseShardMessage(process.argv[3] ?? '');
  if ('problem' in message) throw new Error(`bad shard message: ${message.problem}`);
  const stateDir = process.env.VIGIL_STATE_DIR ?? '.vigil';
  const outcome = await runShard(message, {
    config,
    leases: stateObjects(process.env, stateDir),
    state: stateStore(process.env, stateDir),
    holder: `pid-${process.pid}`,
    deadline: Date.now() + 15 * 60_000,
    // stdout carries the outcome line: EMF fallback lines go to stderr here (in Lambda, stdout is the log).
    publisher: cloudWatchPublisher(config, { writeLine: (line) => process.stderr.write(`${line}\n`) }),
    ...(process.env.VIGIL_PROBE_NAME ? { heartbeat: { probe: process.env.VIGIL_PROBE_NAME } } : {}),
  });
  const usage = process.resourceUsage();
  const stats = {
    maxRssKb: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    wallMs: performance.now() - started,
  };
  // The summary, not every result: 1,500 results are a megabyte of JSON the parent has no use for.
  const slim =
    outcome.status === 'probed'
      ? {
          ...outcome,
          cycle: {
            ...outcome.cycle,
            round: {
              ...outcome.cycle.round,
              results: outcome.cycle.round.results.map(({ target, success, reason }) => ({
                target,
                success,
                reason,
              })),
            },
          },
        }
      : outcome;
  // Keep-alive sockets and SDK clients would hold the process open: exit once the line is out.
  process.stdout.write(`${OUTCOME_PREFIX}${JSON.stringify({ ...slim, process: stats })}\n`, () =>
    process.exit(0),
  );
}
