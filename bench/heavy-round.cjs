// Child of bench/heavy-pages.ts: runs one probe round of the config file in argv[2] and prints, as one JSON line,
// each target's outcome, the round's wall time and this process's peak RSS (so the parent's servers don't count).
require('tsx/cjs/api').register();
const { loadConfig } = require('../functions/config/load.ts');
const { runRound } = require('../functions/probing/run.ts');

const config = loadConfig(process.argv[2]);
const started = performance.now();
runRound(config).then((report) => {
  const results = report.results.map((result) => ({
    target: result.target,
    success: result.success,
    reason: result.reason,
    durationMs: Math.round(result.durationMs),
  }));
  process.stdout.write(
    `${JSON.stringify({ results, wallMs: Math.round(performance.now() - started), maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
});
