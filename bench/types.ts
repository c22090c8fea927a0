/** Every benchmark module exports `run()` returning one section of bench/RESULTS.md. */
export interface BenchSection {
  title: string;
  /** Markdown body: tables with the figures and, where a peer ran, the ratio vigil/peer. */
  markdown: string;
}

export type Bench = () => Promise<BenchSection>;

/**
 * `npx tsx bench/<name>.ts` runs one benchmark alone and prints its section (RESULTS.md is written only by
 * bench/index.ts); a failure exits 1.
 */
export function runAlone(mod: NodeModule, run: Bench): void {
  if (require.main !== mod) return;
  run().then(
    (section) => process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
