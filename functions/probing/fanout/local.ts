/**
 * Dispatchers for running the sharded path without AWS (`vigil dev`, tests, the bench): every message to a
 * worker in this process, or each to its own child process as Lambda would run it (worker-main.ts), all at once.
 */
import { spawn } from 'node:child_process';
import type { Dispatch } from './planner';
import { runShard, type ShardMessage, type ShardOutcome, type WorkerDeps } from './worker';

/**
 * Runs every shard in this process, concurrently; `deps(message)` gives each worker its dependencies. A worker
 * that throws (its lease store unreachable, say) fails its own shard only, as a crashed invocation would.
 */
export function inProcessDispatch(deps: (message: ShardMessage) => WorkerDeps): Dispatch {
  return async (messages) => {
    const settled = await Promise.allSettled(messages.map((message) => runShard(message, deps(message))));
    const outcomes: ShardOutcome[] = [];
    const failed: { shard: number; error: string }[] = [];
    settled.forEach((result, index) => {
      if (result.status === 'fulfilled') outcomes.push(result.value);
      else
        failed.push({
          shard: messages[index]?.shard ?? index,
          error: String((result.reason as Error)?.message ?? result.reason),
        });
    });
    return { dispatched: messages.length, failed, outcomes };
  };
}

/** What a worker process reports besides its outcome. */
export interface ProcessStats {
  /** Peak resident set of the worker process (Lambda's "Max Memory Used"). */
  maxRssKb: number;
  /** CPU the worker process used, user + system. */
  cpuMs: number;
  wallMs: number;
}

export type ProcessOutcome = ShardOutcome & { process: ProcessStats };

/** Starts the one stdout line of a worker process that carries its outcome (worker-main.ts). */
export const OUTCOME_PREFIX = 'vigil-shard-outcome ';

/**
 * Runs each shard in its own process: `node <execArgv> <entry> <config> <message JSON>` (worker-main.ts prints
 * one OUTCOME_PREFIX line). A process that dies or prints no outcome is a failed dispatch for its shard, not a lost one.
 */
export function childProcessDispatch(options: {
  entry: string;
  config: string;
  execArgv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  onOutcome?: (outcome: ProcessOutcome) => void;
}): Dispatch {
  return async (messages) => {
    const failed: { shard: number; error: string }[] = [];
    const outcomes: ShardOutcome[] = [];
    await Promise.all(
      messages.map(
        (message) =>
          new Promise<void>((resolve) => {
            const child = spawn(
              process.execPath,
              [...(options.execArgv ?? []), options.entry, options.config, JSON.stringify(message)],
              { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env },
            );
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (chunk) => {
              stdout += chunk;
            });
            child.stderr.on('data', (chunk) => {
              stderr += chunk;
            });
            child.on('close', (code) => {
              const line = stdout.split('\n').find((each) => each.startsWith(OUTCOME_PREFIX)) ?? '';
              try {
                const outcome = JSON.parse(line.slice(OUTCOME_PREFIX.length)) as ProcessOutcome;
                outcomes.push(outcome);
                options.onOutcome?.(outcome);
              } catch {
                failed.push({
                  shard: message.shard,
                  error: `worker exited ${code}: ${stderr.trim().slice(-500)}`,
                });
              }
              resolve();
            });
          }),
      ),
    );
    return { dispatched: messages.length - failed.length, failed, outcomes };
  };
}
