/**
 * Child of bench/heavy-pages.ts, bundled by esbuild the way the Lambda is (so the inspection worker loads the
 * bundle, as in Lambda): runs one probe round of the config file in argv[2] and prints, as one JSON line, each
 * target's outcome, the round's wall time and this process's peak RSS.
 */
import { isMainThread } from 'node:worker_threads';
import { loadConfig } from '../functions/config/load';
import { runRound } from '../functions/probing/run';

// The inspection worker loads this bundle too: only the main thread runs the round.
if (isMainThread) main();

function main(): void {
  const config = loadConfig(process.argv[2] ?? 'vigil.yml');
  const started = performance.now();
  runRound(config).then((report) => {
    const results = report.results.map((result) => ({
      target: result.target,
      success: result.success,
      reason: result.reason,
      detail: result.detail,
      durationMs: Math.round(result.durationMs),
    }));
    const wallMs = Math.round(performance.now() - started);
    process.stdout.write(
      `${JSON.stringify({ results, wallMs, maxRssKb: process.resourceUsage().maxRSS })}\n`,
    );
  });
}
