/**
 * `npm run bench`: runs every benchmark in one process, one after another (so they don't compete for the two
 * cores), and writes bench/RESULTS.md with the machine they ran on. Figures are measurements, never test
 * assertions. `npm run bench -- packing` runs only the sections whose name matches.
 */
import { writeFileSync } from 'node:fs';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Bench, BenchSection } from './types';

const BENCHES: Record<string, () => Promise<{ run: Bench }>> = {
  'probe-engine': () => import('./probe-engine'),
  'prometheus-parser': () => import('./prometheus-parser'),
  jsonpath: () => import('./jsonpath'),
  state: () => import('./state'),
  'heavy-pages': () => import('./heavy-pages'),
  promql: () => import('./promql'),
  packing: () => import('./packing'),
  webhook: () => import('./webhook'),
  soak: () => import('./soak'),
};

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu} × ${cpus().length}`,
    `- Memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${osType()} ${release()}`,
    `- Node: ${process.version}`,
  ].join('\n');
}

async function main() {
  const filter = process.argv.slice(2);
  const sections: BenchSection[] = [];
  for (const [name, load] of Object.entries(BENCHES)) {
    if (filter.length > 0 && !filter.some((wanted) => name.includes(wanted))) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const { run } = await load();
    sections.push(await run());
  }
  const markdown = `# vigil benchmark results

Written by \`npm run bench\`; rerun it to refresh. Timings vary between machines and runs: compare ratios
measured in the same run, not absolute numbers across runs.

## Machine
${machine()}

${sections.map((section) => `## ${section.title}\n\n${section.markdown.trim()}\n`).join('\n')}`;
  const out = join(__dirname, 'RESULTS.md');
  writeFileSync(out, markdown);
  process.stdout.write(markdown);
  process.stderr.write(`bench: wrote ${out}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
