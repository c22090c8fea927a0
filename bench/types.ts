/** Every benchmark module exports `run()` returning one section of bench/RESULTS.md. */
export interface BenchSection {
  title: string;
  /** Markdown body: tables with the figures and, where a peer ran, the ratio vigil/peer. */
  markdown: string;
}

export type Bench = () => Promise<BenchSection>;
