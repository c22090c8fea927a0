/**
 * JSONPath libraries side by side: json-p3 (what vigil uses) and jsonpath-rfc9535 (what it used before, still a
 * devDependency because its tarball ships the compliance suite). Compliance (the official suite, every case),
 * esbuild CJS bundle size (what the Lambda loads) and query speed on a small health document and on a large one.
 *
 * Standalone: `npx tsx bench/jsonpath.ts` prints the markdown section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { build } from 'esbuild';
import { JSONPathEnvironment } from 'json-p3';
import { query as rfcQuery } from 'jsonpath-rfc9535';
import rfcParse from 'jsonpath-rfc9535/parser';
import { type BenchSection, runAlone } from './types';

const CTS_FILE = join(
  __dirname,
  '../node_modules/jsonpath-rfc9535/src/__tests__/jsonpath-compliance-test-suite/cts.json',
);
/** Roughly the 1.3M-node document of issue 8's heavy-page measurements. */
const LARGE_ITEMS = 130_000;
const TIMED_RUNS = 7;

interface Library {
  name: string;
  /** Module source esbuild bundles to measure what the library adds to a CJS Lambda bundle. */
  entry: string;
  compile(path: string): unknown;
  query(compiled: unknown, path: string, document: unknown): unknown[];
}

const p3 = new JSONPathEnvironment();
const LIBRARIES: Library[] = [
  {
    name: 'json-p3 2.3.1',
    entry: `import { JSONPathEnvironment } from 'json-p3'; console.log(new JSONPathEnvironment().query('$.a', {}).values());`,
    compile: (path) => p3.compile(path),
    query: (compiled, _path, document) =>
      (compiled as ReturnType<typeof p3.compile>).query(document as never).values(),
  },
  {
    name: 'jsonpath-rfc9535 1.3.0',
    entry: `import { query } from 'jsonpath-rfc9535'; console.log(query({}, '$.a'));`,
    compile: (path) => rfcParse(path),
    query: (_compiled, path, document) => rfcQuery(document as never, path),
  },
];

interface CtsCase {
  selector: string;
  document?: unknown;
  result?: unknown[];
  results?: unknown[][];
  invalid_selector?: true;
}

function compliance(library: Library, cases: readonly CtsCase[]): number {
  let passed = 0;
  for (const test of cases) {
    let ok: boolean;
    try {
      const compiled = library.compile(test.selector);
      const found = test.invalid_selector ? undefined : library.query(compiled, test.selector, test.document);
      ok = found !== undefined && (test.results ?? [test.result]).some((r) => isDeepStrictEqual(r, found));
    } catch {
      ok = test.invalid_selector === true;
    }
    if (ok) passed++;
  }
  return passed;
}

async function bundleBytes(library: Library): Promise<number> {
  const result = await build({
    stdin: { contents: library.entry, resolveDir: join(__dirname, '..'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents.byteLength;
}

function healthDocument(): unknown {
  return {
    status: 'ok',
    goroutines: 812,
    memory: { alloc_mb: 256, sys_mb: 512 },
    checks: [
      { name: 'db', up: true, latency_ms: 3 },
      { name: 'cache', up: true, latency_ms: 1 },
    ],
  };
}

/** ~10 nodes per item: an array of objects with nested `a` fields, so `$..a` visits the whole tree. */
function largeDocument(): unknown {
  const items = [];
  for (let i = 0; i < LARGE_ITEMS; i++) {
    items.push({ id: i, a: i % 7, tags: ['x', 'y'], nested: { a: i, b: { c: i % 3 } } });
  }
  return { status: 'ok', count: LARGE_ITEMS, items };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median ms per query (compiled once, as vigil does) and the results' length. */
function time(
  library: Library,
  path: string,
  document: unknown,
  repeat: number,
): { ms: number; found: number } {
  const compiled = library.compile(path);
  let found = library.query(compiled, path, document).length;
  const runs: number[] = [];
  for (let run = 0; run < TIMED_RUNS; run++) {
    const start = performance.now();
    for (let i = 0; i < repeat; i++) found = library.query(compiled, path, document).length;
    runs.push((performance.now() - start) / repeat);
  }
  return { ms: median(runs), found };
}

export async function run(): Promise<BenchSection> {
  const cases = (JSON.parse(readFileSync(CTS_FILE, 'utf8')) as { tests: CtsCase[] }).tests;
  const small = healthDocument();
  const large = largeDocument();
  const queries: [string, unknown, string, number][] = [
    ['health document', small, '$.goroutines', 20_000],
    ['health document', small, '$.checks[?@.up == true].latency_ms', 20_000],
    [`large document (${LARGE_ITEMS * 10} nodes)`, large, '$.count', 20_000],
    [`large document (${LARGE_ITEMS * 10} nodes)`, large, '$..a', 1],
    [`large document (${LARGE_ITEMS * 10} nodes)`, large, '$.items[?@.a == 3].id', 1],
  ];
  const summary: string[] = [];
  const timings = new Map<string, number[]>();
  for (const library of LIBRARIES) {
    const bytes = await bundleBytes(library);
    summary.push(
      `| ${library.name} | ${compliance(library, cases)}/${cases.length} | ${(bytes / 1024).toFixed(1)} KiB |`,
    );
    timings.set(
      library.name,
      queries.map(([, document, path, repeat]) => time(library, path, document, repeat).ms),
    );
  }
  const [ours, before] = LIBRARIES.map((library) => timings.get(library.name)!);
  const rows = queries.map(([label, document, path], index) => {
    const found = LIBRARIES[0]!.query(LIBRARIES[0]!.compile(path), path, document).length;
    const a = ours![index]!;
    const b = before![index]!;
    return `| ${label} | \`${path}\` | ${found} | ${a.toFixed(4)} | ${b.toFixed(4)} | ${(b / a).toFixed(2)}× |`;
  });
  const markdown = [
    `Compliance: the official JSONPath Compliance Test Suite as shipped in the jsonpath-rfc9535 tarball (${cases.length} cases: a valid selector passes when the result is one of the allowed ones, an invalid one when compiling throws). Bundle: esbuild, CJS, minified, a one-line entry using the library. Node ${process.version}; query times are the median of ${TIMED_RUNS} runs, each query compiled once beforehand as vigil does.`,
    '',
    '| library | compliance suite | CJS bundle |',
    '| --- | ---: | ---: |',
    ...summary,
    '',
    `| document | query | values | ${LIBRARIES[0]!.name} ms | ${LIBRARIES[1]!.name} ms | speed vs before |`,
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { title: 'JSONPath (RFC 9535)', markdown };
}

runAlone(module, run);
