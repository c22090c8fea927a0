/**
 * Parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, as exporters really write it
 * (node_exporter, Prometheus itself, the Go, Java and Python client libraries).
 *
 * It scans char codes over the whole page instead of splitting lines and running regexes, because a probe parses
 * a full page on every run and usually keeps a handful of series: with `names`, lines of other metrics are
 * skipped after reading their name.
 *
 * Like a Prometheus scrape, one malformed line fails the whole page with a PrometheusParseError; any input,
 * however broken, ends in samples or that error.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export class PrometheusParseError extends Error {
  override name = 'PrometheusParseError';
  /** 1-based line of the page. */
  readonly line: number;
  /** 1-based column (UTF-16 units) where the problem was found. */
  readonly column: number;
  readonly reason: string;

  constructor(line: number, column: number, reason: string) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export interface ParseOptions {
  /** Only keep samples whose metric name is in this set (lines of other metrics are skipped unchecked). */
  names?: ReadonlySet<string>;
  /** Default: OpenMetrics when the page ends with `# EOF`, else the Prometheus text format 0.0.4. */
  format?: ExpositionFormat;
}

/** Both formats' types: `untyped` is 0.0.4's name for OpenMetrics' `unknown`. */
export const METRIC_TYPES = [
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
  'untyped',
] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface MetricFamilyMetadata {
  type?: MetricType;
  help?: string;
  unit?: string;
}

/**
 * Series the page gave more than once. Like a Prometheus scrape ("duplicate sample for timestamp": the first
 * sample is stored, the rest are dropped and counted, and the scrape goes on), the first one is kept.
 */
export interface DuplicateSeries {
  /** Samples dropped because their series (name and labels, in any order) came earlier in the page. */
  count: number;
  /** The first dropped one: its 1-based line and the series, shortened. */
  firstLine: number;
  series: string;
}

export interface ParsedPage {
  /** One per series, in page order (duplicates dropped, see `duplicates`). */
  samples: Sample[];
  /** From `# HELP`, `# TYPE` and `# UNIT`, keyed by family name; left empty in selective (`names`) mode. */
  metadata: Map<string, MetricFamilyMetadata>;
  format: ExpositionFormat;
  duplicates?: DuplicateSeries;
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const MINUS = 45;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const EQUALS = 61;
const BACKSLASH = 92;
const LOWER_N = 110;
const LEFT_BRACE = 123;
const RIGHT_BRACE = 125;

/** Beyond this many digits an integer no longer fits a double exactly, so Number() takes over. */
const EXACT_INTEGER_MAX_DIGITS = 15;
/** Longest excerpt of a bad token quoted in an error, so a huge garbage line gives a short message. */
const ERROR_EXCERPT_MAX_CHARS = 40;

const METRIC_START = 1;
const METRIC_PART = 2;
const LABEL_START = 4;
const LABEL_PART = 8;
const NUMBER_PART = 16;

/** Char classes of ASCII codes; everything else is outside legacy names and numbers. */
const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  const set = (from: string, to: string, bits: number) => {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) table[c]! |= bits;
  };
  set('a', 'z', METRIC_START | METRIC_PART | LABEL_START | LABEL_PART);
  set('A', 'Z', METRIC_START | METRIC_PART | LABEL_START | LABEL_PART);
  set('_', '_', METRIC_START | METRIC_PART | LABEL_START | LABEL_PART);
  set(':', ':', METRIC_START | METRIC_PART);
  set('0', '9', METRIC_PART | LABEL_PART | NUMBER_PART);
  for (const ch of '.eE+-') table[ch.charCodeAt(0)]! |= NUMBER_PART;
  return table;
})();

function hasClass(code: number, bits: number): boolean {
  return code < 128 && (CHAR_CLASS[code]! & bits) !== 0;
}

/** Quotes a name for an error message, shortened: a garbage page can hold a megabyte-long "name". */
function excerpt(text: string): string {
  return JSON.stringify(
    text.length > ERROR_EXCERPT_MAX_CHARS ? `${text.slice(0, ERROR_EXCERPT_MAX_CHARS)}…` : text,
  );
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** OpenMetrics requires `# EOF` as the last line, so it identifies the format without a Content-Type. */
export function detectFormat(text: string): ExpositionFormat {
  let end = text.length;
  while (end > 0) {
    const code = text.charCodeAt(end - 1);
    if (code !== LF && code !== CR && !isBlank(code)) break;
    end--;
  }
  const start = end - '# EOF'.length;
  if (start < 0 || !text.startsWith('# EOF', start)) return 'prometheus';
  return start === 0 || text.charCodeAt(start - 1) === LF ? 'openmetrics' : 'prometheus';
}

class PageParser {
  private readonly text: string;
  private readonly names: ReadonlySet<string> | undefined;
  private readonly format: ExpositionFormat;
  private readonly samples: Sample[] = [];
  private readonly metadata = new Map<string, MetricFamilyMetadata>();
  private line = 0;
  private lineStart = 0;
  /** Position after the last token read by a helper that also returns a value. */
  private pos = 0;
  /** A Prometheus 3 metric name given inside the braces: `{"my.metric", a="b"}`. */
  private quotedName: string | undefined;
  private eofLine = 0;
  /** Series seen so far, by seriesHash → index in `samples` (several on a collision). */
  private readonly seriesByHash = new Map<number, number | number[]>();
  private duplicates: DuplicateSeries | undefined;
  /** Off for parsePrometheus, which returns samples only: comment lines are then checked but not kept. */
  private readonly collectMetadata: boolean;

  constructor(text: string, options: ParseOptions, collectMetadata: boolean) {
    this.text = text;
    this.collectMetadata = collectMetadata && options.names === undefined;
    this.names = options.names;
    this.format = options.format ?? detectFormat(text);
  }

  run(): ParsedPage {
    const { text } = this;
    const length = text.length;
    let start = 0;
    while (start < length) {
      this.line++;
      this.lineStart = start;
      let end = text.indexOf('\n', start);
      if (end === -1) end = length;
      const next = end + 1;
      if (end > start && text.charCodeAt(end - 1) === CR) end--;
      this.parseLine(start, end);
      start = next;
    }
    if (this.format === 'openmetrics' && this.eofLine === 0) {
      this.line = Math.max(this.line, 1);
      this.lineStart = start;
      this.fail(start, 'OpenMetrics page does not end with "# EOF"');
    }
    return {
      samples: this.samples,
      metadata: this.metadata,
      format: this.format,
      ...(this.duplicates === undefined ? {} : { duplicates: this.duplicates }),
    };
  }

  private fail(at: number, reason: string): never {
    throw new PrometheusParseError(this.line, at - this.lineStart + 1, reason);
  }

  /** Names what was found at `at`, quoted and shortened, for error messages. */
  private found(at: number, end: number): string {
    if (at >= end) return 'end of line';
    let stop = at + 1;
    while (stop < end && stop - at < ERROR_EXCERPT_MAX_CHARS) {
      const code = this.text.charCodeAt(stop);
      if (isBlank(code) || code === COMMA || code === LEFT_BRACE || code === RIGHT_BRACE) break;
      stop++;
    }
    return JSON.stringify(this.text.slice(at, stop));
  }

  private skipBlanks(at: number, end: number): number {
    let p = at;
    while (p < end && isBlank(this.text.charCodeAt(p))) p++;
    return p;
  }

  private parseLine(start: number, end: number): void {
    const { text } = this;
    const p = this.skipBlanks(start, end);
    if (p === end) return;
    if (this.eofLine !== 0) this.fail(p, `content after "# EOF" (line ${this.eofLine})`);
    const code = text.charCodeAt(p);
    if (code === HASH) {
      this.parseComment(p, end);
      return;
    }
    if (this.names !== undefined && code !== LEFT_BRACE) {
      let q = p;
      while (q < end && hasClass(text.charCodeAt(q), METRIC_PART)) q++;
      if (!this.names.has(text.slice(p, q))) return;
    }
    this.parseSample(p, end);
  }

  private parseSample(at: number, end: number): void {
    const { text } = this;
    let p = at;
    let name: string | undefined;
    const first = text.charCodeAt(p);
    if (first !== LEFT_BRACE) {
      if (!hasClass(first, METRIC_START)) {
        this.fail(p, `expected a metric name, found ${this.found(p, end)}`);
      }
      p++;
      while (p < end && hasClass(text.charCodeAt(p), METRIC_PART)) p++;
      name = text.slice(at, p);
      p = this.skipBlanks(p, end);
    }
    const labels: Record<string, string> = {};
    this.quotedName = undefined;
    if (p < end && text.charCodeAt(p) === LEFT_BRACE) {
      p = this.parseLabels(p + 1, end, labels, name === undefined);
      if (name === undefined) {
        if (this.quotedName === undefined) this.fail(at, 'metric name missing before or inside "{"');
        name = this.quotedName;
        if (this.names !== undefined && !this.names.has(name)) return;
      }
      p = this.skipBlanks(p, end);
    } else if (p < end && p === at + name!.length) {
      // The name ended on a character that cannot follow it.
      this.fail(p, `unexpected ${this.found(p, end)} in metric name`);
    }

    if (p === end) this.fail(p, 'expected a sample value, found end of line');
    let stop = p;
    while (stop < end && !isBlank(text.charCodeAt(stop))) stop++;
    const value = this.parseValue(p, stop, end);
    p = this.skipBlanks(stop, end);

    let timestampMs: number | undefined;
    if (p < end && text.charCodeAt(p) !== HASH) {
      stop = p;
      while (stop < end && !isBlank(text.charCodeAt(stop))) stop++;
      timestampMs = this.parseTimestamp(p, stop, end);
      p = this.skipBlanks(stop, end);
    }
    if (p < end) {
      if (text.charCodeAt(p) !== HASH) this.fail(p, `unexpected ${this.found(p, end)} after the timestamp`);
      this.parseExemplar(p, end);
    }
    const sample: Sample =
      timestampMs === undefined
        ? { name: name!, labels, value }
        : { name: name!, labels, value, timestampMs };
    if (this.isDuplicate(sample)) return;
    this.samples.push(sample);
  }

  /** Has this series (same name and labels, empty ones counting as absent) come before? Records it if so. */
  private isDuplicate(sample: Sample): boolean {
    const hash = seriesHash(sample);
    const seen = this.seriesByHash.get(hash);
    if (seen === undefined) {
      this.seriesByHash.set(hash, this.samples.length);
      return false;
    }
    const indexes = typeof seen === 'number' ? [seen] : seen;
    if (!indexes.some((index) => sameSeries(this.samples[index]!, sample))) {
      // A hash collision between different series: keep both.
      this.seriesByHash.set(hash, [...indexes, this.samples.length]);
      return false;
    }
    if (this.duplicates === undefined) {
      this.duplicates = { count: 0, firstLine: this.line, series: describeSeries(sample) };
    }
    this.duplicates.count++;
    return true;
  }

  /** Reads label pairs after `{` up to and including `}`; returns the position after `}`. */
  private parseLabels(
    at: number,
    end: number,
    labels: Record<string, string>,
    nameMayBeInside: boolean,
  ): number {
    const { text } = this;
    let p = at;
    for (;;) {
      p = this.skipBlanks(p, end);
      if (p >= end) this.fail(p, 'label set not closed, expected "}"');
      let code = text.charCodeAt(p);
      if (code === RIGHT_BRACE) return p + 1;
      const nameAt = p;
      let labelName: string;
      if (code === QUOTE) {
        labelName = this.parseQuoted(p, end);
        p = this.skipBlanks(this.pos, end);
        code = p < end ? text.charCodeAt(p) : LF;
        // A quoted string without `=` is the metric name (Prometheus 3 UTF-8 names), wherever it stands.
        if (code === COMMA || code === RIGHT_BRACE) {
          if (!nameMayBeInside) {
            this.fail(
              nameAt,
              `expected "=" after label name ${excerpt(labelName)}, found ${this.found(p, end)}`,
            );
          }
          if (this.quotedName !== undefined) {
            this.fail(nameAt, `a second metric name ${excerpt(labelName)} inside "{"`);
          }
          this.quotedName = labelName;
          if (code === COMMA) p++;
          continue;
        }
        if (labelName === '') this.fail(nameAt, 'empty label name');
      } else if (hasClass(code, LABEL_START)) {
        p++;
        while (p < end && hasClass(text.charCodeAt(p), LABEL_PART)) p++;
        labelName = text.slice(nameAt, p);
        p = this.skipBlanks(p, end);
      } else {
        this.fail(p, `expected a label name or "}", found ${this.found(p, end)}`);
      }
      if (p >= end || text.charCodeAt(p) !== EQUALS) {
        this.fail(p, `expected "=" after label name ${excerpt(labelName)}, found ${this.found(p, end)}`);
      }
      p = this.skipBlanks(p + 1, end);
      if (p >= end || text.charCodeAt(p) !== QUOTE) {
        this.fail(p, `expected a quoted value for label ${excerpt(labelName)}, found ${this.found(p, end)}`);
      }
      const value = this.parseQuoted(p, end);
      if (labelName === '__name__') this.fail(nameAt, 'label "__name__" is reserved for the metric name');
      if (Object.hasOwn(labels, labelName)) this.fail(nameAt, `duplicate label ${excerpt(labelName)}`);
      if (labelName === '__proto__') {
        // A plain assignment would set the prototype (and silently drop a string).
        Object.defineProperty(labels, labelName, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        labels[labelName] = value;
      }
      p = this.skipBlanks(this.pos, end);
      code = p < end ? text.charCodeAt(p) : LF;
      if (code === COMMA) {
        p++;
      } else if (code === RIGHT_BRACE) {
        return p + 1;
      } else if (p >= end) {
        this.fail(p, 'label set not closed, expected "}"');
      } else {
        this.fail(
          p,
          `expected "," or "}" after the value of label ${excerpt(labelName)}, found ${this.found(p, end)}`,
        );
      }
    }
  }

  /**
   * Reads a double-quoted string at `at`, unescaping `\\`, `\"` and `\n`; other escapes stay verbatim, as in
   * Prometheus' own scraper. Sets `pos` after the closing quote.
   */
  private parseQuoted(at: number, end: number): string {
    const { text } = this;
    let p = at + 1;
    let chunkStart = p;
    let unescaped: string | undefined;
    while (p < end) {
      const code = text.charCodeAt(p);
      if (code === QUOTE) {
        this.pos = p + 1;
        const tail = text.slice(chunkStart, p);
        return unescaped === undefined ? tail : unescaped + tail;
      }
      if (code === BACKSLASH) {
        if (p + 1 >= end) break;
        const next = text.charCodeAt(p + 1);
        const replacement =
          next === BACKSLASH ? '\\' : next === QUOTE ? '"' : next === LOWER_N ? '\n' : text.slice(p, p + 2);
        unescaped = (unescaped ?? '') + text.slice(chunkStart, p) + replacement;
        p += 2;
        chunkStart = p;
        continue;
      }
      p++;
    }
    return this.fail(at, 'quoted string not closed before the end of the line');
  }

  /** Go's ParseFloat syntax as exporters use it: decimal floats and NaN/Inf/Infinity in any case, signed. */
  private parseNumber(at: number, stop: number): number | undefined {
    const { text } = this;
    let integer = 0;
    let digitsOnly = true;
    for (let p = at; p < stop; p++) {
      const code = text.charCodeAt(p);
      if (code >= DIGIT_0 && code <= DIGIT_9) {
        integer = integer * 10 + (code - DIGIT_0);
      } else if (hasClass(code, NUMBER_PART)) {
        digitsOnly = false;
      } else {
        return this.parseSpecialNumber(text.slice(at, stop));
      }
    }
    if (digitsOnly && stop - at <= EXACT_INTEGER_MAX_DIGITS) return integer;
    const value = Number(text.slice(at, stop));
    return Number.isNaN(value) ? undefined : value;
  }

  private parseSpecialNumber(token: string): number | undefined {
    switch (token.toLowerCase()) {
      case 'nan':
        return Number.NaN;
      case 'inf':
      case '+inf':
      case 'infinity':
      case '+infinity':
        return Number.POSITIVE_INFINITY;
      case '-inf':
      case '-infinity':
        return Number.NEGATIVE_INFINITY;
      default:
        return undefined;
    }
  }

  private parseValue(at: number, stop: number, end: number): number {
    const value = this.parseNumber(at, stop);
    if (value === undefined) this.fail(at, `invalid sample value ${this.found(at, end)}`);
    return value;
  }

  /** 0.0.4 timestamps are integer milliseconds; OpenMetrics ones are seconds with an optional fraction. */
  private parseTimestamp(at: number, stop: number, end: number): number {
    if (this.format === 'openmetrics') {
      const seconds = this.parseNumber(at, stop);
      if (seconds === undefined || !Number.isFinite(seconds)) {
        this.fail(at, `invalid timestamp ${this.found(at, end)}, expected seconds since the epoch`);
      }
      return Math.round(seconds * 1000);
    }
    const digitsAt = this.text.charCodeAt(at) === MINUS ? at + 1 : at;
    let valid = digitsAt < stop;
    for (let p = digitsAt; valid && p < stop; p++) {
      const code = this.text.charCodeAt(p);
      valid = code >= DIGIT_0 && code <= DIGIT_9;
    }
    const ms = valid ? Number(this.text.slice(at, stop)) : Number.NaN;
    if (!Number.isSafeInteger(ms)) {
      this.fail(
        at,
        `invalid timestamp ${this.found(at, end)}, expected integer milliseconds since the epoch`,
      );
    }
    return ms;
  }

  /** Checks an exemplar (` # {trace_id="..."} 0.5 [ts]`) and drops it: probes only use sample values. */
  private parseExemplar(at: number, end: number): void {
    const { text } = this;
    let p = this.skipBlanks(at + 1, end);
    if (p === at + 1 || p >= end || text.charCodeAt(p) !== LEFT_BRACE) {
      this.fail(p, `expected an exemplar " # {labels} value", found ${this.found(p, end)}`);
    }
    p = this.skipBlanks(this.parseLabels(p + 1, end, {}, false), end);
    if (p >= end) this.fail(p, 'expected an exemplar value, found end of line');
    let stop = p;
    while (stop < end && !isBlank(text.charCodeAt(stop))) stop++;
    if (this.parseNumber(p, stop) === undefined) this.fail(p, `invalid exemplar value ${this.found(p, end)}`);
    p = this.skipBlanks(stop, end);
    if (p < end) {
      stop = p;
      while (stop < end && !isBlank(text.charCodeAt(stop))) stop++;
      const seconds = this.parseNumber(p, stop);
      if (seconds === undefined || !Number.isFinite(seconds)) {
        this.fail(p, `invalid exemplar timestamp ${this.found(p, end)}`);
      }
      p = this.skipBlanks(stop, end);
      if (p < end) this.fail(p, `unexpected ${this.found(p, end)} after the exemplar`);
    }
  }

  private parseComment(at: number, end: number): void {
    const { text } = this;
    const p = this.skipBlanks(at + 1, end);
    let stop = p;
    while (stop < end && !isBlank(text.charCodeAt(stop))) stop++;
    const keywordLength = stop - p;
    if (keywordLength === 3 && text.startsWith('EOF', p)) {
      // Only the exact line "# EOF" ends an OpenMetrics page ("#EOF" or " # EOF" are not the marker).
      const exact = at === this.lineStart && p === at + 2 && text.charCodeAt(at + 1) === SPACE;
      if (this.format === 'openmetrics' && exact && this.skipBlanks(stop, end) === end)
        this.eofLine = this.line;
      return;
    }
    if (keywordLength !== 4 || this.names !== undefined) return;
    const keyword = commentKeyword(text, p);
    if (keyword === undefined) return;

    let q = this.skipBlanks(stop, end);
    // `# HELP` with nothing after it is a comment, as Prometheus' lexer and client_golang's parser read it.
    if (q === end) return;
    const nameAt = q;
    if (q < end && text.charCodeAt(q) === QUOTE) {
      this.parseQuoted(q, end);
      q = this.pos;
    } else {
      while (q < end && hasClass(text.charCodeAt(q), METRIC_PART)) q++;
      if (q === nameAt || !hasClass(text.charCodeAt(nameAt), METRIC_START)) {
        this.fail(nameAt, `expected a metric name after "# ${keyword}", found ${this.found(nameAt, end)}`);
      }
    }
    if (q < end && !isBlank(text.charCodeAt(q))) {
      this.fail(q, `unexpected ${this.found(q, end)} after the metric name in "# ${keyword}"`);
    }
    // HELP keeps its text verbatim after one separator; TYPE and UNIT are single words.
    const rest = q < end ? q + 1 : end;
    const entry = this.collectMetadata ? this.entry(nameAt, q) : undefined;
    if (keyword === 'HELP') {
      if (entry !== undefined) entry.help = unescapeHelp(text.slice(rest, end));
      return;
    }
    const wordAt = this.skipBlanks(rest, end);
    let wordEnd = wordAt;
    while (wordEnd < end && !isBlank(text.charCodeAt(wordEnd))) wordEnd++;
    if (this.skipBlanks(wordEnd, end) !== end) {
      this.fail(wordEnd, `unexpected text after the ${keyword} of ${this.found(nameAt, end)}`);
    }
    const word = text.slice(wordAt, wordEnd);
    if (keyword === 'UNIT') {
      if (entry !== undefined) entry.unit = word;
      return;
    }
    if (!METRIC_TYPE_SET.has(word)) {
      this.fail(
        wordAt,
        `unknown metric type ${JSON.stringify(word)}, expected one of ${METRIC_TYPES.join(', ')}`,
      );
    }
    if (entry !== undefined) entry.type = word as MetricType;
  }

  /** The metadata entry of the family named at [at, stop), quoted or not. */
  private entry(at: number, stop: number): MetricFamilyMetadata {
    const family =
      this.text.charCodeAt(at) === QUOTE ? this.parseQuoted(at, stop) : this.text.slice(at, stop);
    let entry = this.metadata.get(family);
    if (entry === undefined) {
      entry = {};
      this.metadata.set(family, entry);
    }
    return entry;
  }
}

const METRIC_TYPE_SET: ReadonlySet<string> = new Set(METRIC_TYPES);

/** FNV-1a over a string, from a seed: two seeds give two independent 32-bit hashes. */
function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

const SEED_A = 2166136261;
const SEED_B = 0x9747b28c;
/** 2^32: a 53-bit integer is 21 bits of one hash above the 32 bits of the other. */
const TWO_POW_32 = 4294967296;

/**
 * A 53-bit hash of a series that does not depend on the order of its labels (pairs are hashed alone and summed),
 * so the page is not re-sorted per line. Empty values are skipped: Prometheus drops empty labels.
 */
function seriesHash(sample: Sample): number {
  let a = fnv1a(sample.name, SEED_A);
  let b = fnv1a(sample.name, SEED_B);
  for (const [name, value] of Object.entries(sample.labels)) {
    if (value === '') continue;
    const pair = `${name}\u0000${value}`;
    a = (a + fnv1a(pair, SEED_A)) >>> 0;
    b = (b + fnv1a(pair, SEED_B)) >>> 0;
  }
  return (a >>> 11) * TWO_POW_32 + b;
}

function sameSeries(left: Sample, right: Sample): boolean {
  if (left.name !== right.name) return false;
  const nonEmpty = (labels: Record<string, string>) =>
    Object.entries(labels).filter(([, value]) => value !== '');
  const a = nonEmpty(left.labels);
  const b = nonEmpty(right.labels);
  return (
    a.length === b.length &&
    a.every(([name, value]) => Object.hasOwn(right.labels, name) && right.labels[name] === value)
  );
}

/** `name{a="b"}` for a message, shortened like the other excerpts. */
function describeSeries(sample: Sample): string {
  const labels = Object.entries(sample.labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  const text = labels.length === 0 ? sample.name : `${sample.name}{${labels.join(',')}}`;
  return text.length > ERROR_EXCERPT_MAX_CHARS * 2 ? `${text.slice(0, ERROR_EXCERPT_MAX_CHARS * 2)}…` : text;
}

/** Reads the 4-letter keyword of a `# HELP`, `# TYPE` or `# UNIT` line without slicing. */
function commentKeyword(text: string, at: number): 'HELP' | 'TYPE' | 'UNIT' | undefined {
  switch (text.charCodeAt(at)) {
    case 72:
      return text.startsWith('HELP', at) ? 'HELP' : undefined;
    case 84:
      return text.startsWith('TYPE', at) ? 'TYPE' : undefined;
    case 85:
      return text.startsWith('UNIT', at) ? 'UNIT' : undefined;
    default:
      return undefined;
  }
}

/** HELP escapes `\\` and `\n` (and `\"` in OpenMetrics); other backslashes stay as written. */
function unescapeHelp(help: string): string {
  if (!help.includes('\\')) return help;
  return help.replace(/\\([\\n"])/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
}

/** Parses a whole page; throws PrometheusParseError (with the 1-based line) on the first malformed line. */
export function parsePrometheusPage(text: string, options: ParseOptions = {}): ParsedPage {
  return new PageParser(text, options, true).run();
}

/**
 * Parses a page into samples (a series given twice keeps its first sample; parsePrometheusPage reports them);
 * throws PrometheusParseError on the first malformed line.
 */
export function parsePrometheus(text: string, options: ParseOptions = {}): Sample[] {
  return new PageParser(text, options, false).run().samples;
}
