/**
 * Label sets as the evaluator keeps them: pairs sorted by name, no empty values (Prometheus treats an empty label
 * as an absent one), compared and keyed the way Prometheus' labels package does.
 */

export type Label = readonly [name: string, value: string];
export type LabelSet = readonly Label[];

export const METRIC_NAME = '__name__';
export const BUCKET_LABEL = 'le';

/** Go compares strings bytewise (UTF-8); UTF-16 order differs only where a surrogate meets U+E000..U+FFFF. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return codePointRank(x) - codePointRank(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Surrogates (U+10000 and up once combined) sort after U+E000..U+FFFF in UTF-8. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x10000;
  return unit;
}

/** labels.Compare: pairwise by name then value, a prefix first. */
export function compareLabelSets(a: LabelSet, b: LabelSet): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const [an, av] = a[i]!;
    const [bn, bv] = b[i]!;
    if (an !== bn) return compareStrings(an, bn);
    if (av !== bv) return compareStrings(av, bv);
  }
  return a.length - b.length;
}

/**
 * An unambiguous key (length-prefixed, so names and values may hold any character). Not cached: a key lives only
 * as long as the map that groups or matches by it (a cache per label set cost ~300 bytes a series).
 */
export function labelKey(labels: LabelSet): string {
  let key = '';
  for (const [name, value] of labels) key += `${name.length}:${name}${value.length}:${value}`;
  return key;
}

/** From a caller's record: empty values dropped, sorted by name. */
export function fromRecord(record: Readonly<Record<string, string>>): LabelSet {
  const out: Label[] = [];
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (typeof value === 'string' && value !== '') out.push([name, value]);
  }
  return out.sort((x, y) => compareStrings(x[0], y[0]));
}

/** To a caller's record (`__proto__` stays an ordinary own key). */
export function toRecord(labels: LabelSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of labels) {
    if (name === '__proto__') {
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    } else {
      out[name] = value;
    }
  }
  return out;
}

export function getLabel(labels: LabelSet, name: string): string {
  for (const [n, v] of labels) if (n === name) return v;
  return '';
}

/** Only the named labels (Labels.Keep / MatchLabels(on=true)). */
export function keepLabels(labels: LabelSet, names: ReadonlySet<string>): LabelSet {
  return labels.filter(([name]) => names.has(name));
}

/** Without the named labels (Labels.Del). */
export function dropLabels(labels: LabelSet, names: ReadonlySet<string>): LabelSet {
  return labels.some(([name]) => names.has(name)) ? labels.filter(([name]) => !names.has(name)) : labels;
}

const NAME_ONLY: ReadonlySet<string> = new Set([METRIC_NAME]);

/** DropMetricName / DropReserved(IsMetadataLabel) for the classic label set. */
export function dropMetricName(labels: LabelSet): LabelSet {
  return dropLabels(labels, NAME_ONLY);
}

/** Sets (or, with an empty value, removes) one label, keeping the order. */
export function setLabel(labels: LabelSet, name: string, value: string): LabelSet {
  const out = labels.filter(([n]) => n !== name);
  if (value === '') return out;
  out.push([name, value]);
  return out.sort((x, y) => compareStrings(x[0], y[0]));
}
