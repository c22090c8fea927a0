/**
 * `npm run bench`: runs every benchmark in one process, one after another (so they don't compete for the two
 * cores), and writes bench/RESULTS.md with the machine they ran on. Figures are measurements, never test
 * assertions. `npm run bench -- packing` runs only the sections whose name matches and replaces only those
 * sections of RESULTS.md, keeping the others as they were.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Bench, BenchSection } from './types';

const BENCHES: Record<string, () => Promise<{ run: Bench }>> = {
  'probe-engine': () => import('./probe-engine'),
  'prometheus-parser': () => import('./prometheus-parser'),
  jsonpath: () => import('./jsonpath'),
  state: () => import('./state'),
  'heavy-pages': () => import('./heavy-pages'),
  memory: () => import('./memory'),
  promql: () => import('./promql'),
  'sharded-round': () => import('./sharded-round'),
  packing: () => import('./packing'),
  webhook: () => import('./webhook'),
  soak: () => import('./soak'),
  ui: () => import('./ui'),
  'cold-start': () => import('./cold-start'),
  cost: () => import('./cost'),
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

/** The `## Title` sections of an earlier RESULTS.md, in order, the machine block aside. */
function sectionsOf(markdown: string): BenchSection[] {
  return markdown
    .split(/^## /m)
    .slice(1)
    .map((chunk) => {
      const newline = chunk.indexOf('\n');
      return { title: chunk.slice(0, newline).trim(), markdown: chunk.slice(newline + 1) };
    })
    .filter((section) => section.title !== 'Machine');
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
  const out = join(__dirname, 'RESULTS.md');
  // A filtered run replaces only its own sections, in their place: the others keep the figures of the run that
  // made them. Sections new to RESULTS.md go at the end.
  const kept = filter.length > 0 && existsSync(out) ? sectionsOf(readFileSync(out, 'utf8')) : [];
  const merged = kept.map((old) => sections.find((section) => section.title === old.title) ?? old);
  for (const section of sections) if (!merged.includes(section)) merged.push(section);
  const markdown = `# vigil benchmark results

Written by \`npm run bench\`; rerun it to refresh. Timings vary between machines and runs: compare ratios
measured in the same run, not absolute numbers across runs.${filter.length > 0 ? " A filtered run (`npm run bench -- NAME`) rewrites only its sections; the machine below is the last run's." : ''}

## Machine
${machine()}

${merged.map((section) => `## ${section.title}\n\n${section.markdown.trim()}\n`).join('\n')}`;
  writeFileSync(out, markdown);
  process.stdout.write(markdown);
  process.stderr.write(`bench: wrote ${out}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
