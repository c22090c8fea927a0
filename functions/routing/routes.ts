/**
 * Routing: which channels each alert goes to, from the `routes:` list of vigil.yml. Pure.
 *
 * - Routes are tried in order; the first match wins unless it says `continue: true` (then later routes are tried
 *   too). A route without `match` matches every alert.
 * - `match` maps a label name to an expected value; all entries must hold. A value is an exact string, `~regex`
 *   (JavaScript syntax, anchored at both ends like Prometheus matchers), or a list meaning any of its values.
 * - Labels include `alertname` and `severity` (canonical level), which normalisation always sets. A missing label
 *   reads as "" (Alertmanager semantics: `team: ""` or `team: "~"` matches alerts without a team).
 * - Routing reads labels only, and normalisation gives the firing and the resolved notification of an alert the
 *   same labels, so resolved alerts go where their firing alerts went.
 * - Alerts that match no route, or only routes whose channels are all unknown, go to the fallback channels
 *   (`alerts.fallback`; default every channel of the first route, or `console` when there is no route) and are
 *   listed in `unrouted` so the caller reports them: "unrouted" never means dropped.
 * - `console` is built in; any other channel must be defined under `channels:` (the config schema checks this at
 *   load; here an unknown name is skipped and reported in `unknownChannels`).
 */
import type { Alert } from '../alerts/types';

/** Channels that need no definition under `channels:`. */
export const BUILTIN_CHANNELS: readonly string[] = ['console'];

/** Label name → an exact value, a `~regex`, or a list of either (any of them). */
export type LabelMatch = Readonly<Record<string, string | readonly string[]>>;

/** One entry of `routes:` (RouteConfig from config/schema.ts fits). */
export interface RouteRule {
  match?: LabelMatch | undefined;
  channels: readonly string[];
  continue?: boolean | undefined;
  /** Re-notify a still-firing alert this often (ms); absent: never. */
  repeat?: number | undefined;
}

/** Where alerts no route takes go: the configured list, else every channel of the first route, else console. */
export function fallbackChannels(
  routes: readonly RouteRule[],
  configured?: readonly string[],
): readonly string[] {
  if (configured && configured.length > 0) return configured;
  return routes[0]?.channels ?? BUILTIN_CHANNELS;
}

export interface Routed {
  /** Channel name → its alerts, in input order, each alert at most once per channel (fallback included). */
  channels: Map<string, Alert[]>;
  /** Alerts no route took: they went to the fallback channels. */
  unrouted: Alert[];
  /** Channel names used by matching routes but not defined (config validation should have caught them). */
  unknownChannels: string[];
}

// Compiled once per pattern text; an invalid pattern is remembered as null and matches nothing.
const compiled = new Map<string, RegExp | null>();

function regexFor(pattern: string): RegExp | null {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(`^(?:${pattern})$`);
    } catch {
      regex = null;
    }
    compiled.set(pattern, regex);
  }
  return regex;
}

/** Why a match value cannot be used (an invalid `~regex`), for config validation; undefined when fine. */
export function matchValueError(expected: string): string | undefined {
  if (!expected.startsWith('~')) return undefined;
  try {
    new RegExp(`^(?:${expected.slice(1)})$`);
    return undefined;
  } catch (error) {
    return `"${expected}" is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Does one label value satisfy one expected value (exact or ~regex)? */
export function matchesValue(expected: string, actual: string): boolean {
  if (!expected.startsWith('~')) return expected === actual;
  return regexFor(expected.slice(1))?.test(actual) ?? false;
}

/** Do the labels satisfy every entry of `match`? */
export function matchesLabels(labels: Readonly<Record<string, string>>, match: LabelMatch): boolean {
  return Object.entries(match).every(([label, expected]) => {
    // Own properties only: a route on "constructor" must not find Object.prototype's.
    const actual = Object.hasOwn(labels, label) ? (labels[label] ?? '') : '';
    const options: readonly string[] = typeof expected === 'string' ? [expected] : expected;
    return options.some((option) => matchesValue(option, actual));
  });
}

/** `match` as a predicate, its entries and regexes looked up once (for matching thousands of label sets). */
export function compileLabelMatch(match: LabelMatch): (labels: Readonly<Record<string, string>>) => boolean {
  const tests = Object.entries(match).map(([label, expected]) => {
    const options = (typeof expected === 'string' ? [expected] : expected).map((option) => {
      if (!option.startsWith('~')) return (actual: string) => actual === option;
      const regex = regexFor(option.slice(1));
      return (actual: string) => regex?.test(actual) ?? false;
    });
    return (labels: Readonly<Record<string, string>>) => {
      const actual = Object.hasOwn(labels, label) ? (labels[label] ?? '') : '';
      return options.some((test) => test(actual));
    };
  });
  return (labels) => tests.every((test) => test(labels));
}

/** Does the alert satisfy every entry of the route's match? */
export function matchesRoute(alert: Alert, rule: RouteRule): boolean {
  return !rule.match || matchesLabels(alert.labels, rule.match);
}

/** Routes every alert; see the module comment for the rules. */
export function route(
  alerts: readonly Alert[],
  routes: readonly RouteRule[],
  channelsDefined: Iterable<string>,
  fallback: readonly string[] = fallbackChannels(routes),
): Routed {
  const defined = new Set([...BUILTIN_CHANNELS, ...channelsDefined]);
  const channels = new Map<string, Alert[]>();
  const unrouted: Alert[] = [];
  const unknown = new Set<string>();

  for (const alert of alerts) {
    const targets = new Set<string>();
    for (const rule of routes) {
      if (!matchesRoute(alert, rule)) continue;
      for (const channel of rule.channels) {
        if (defined.has(channel)) targets.add(channel);
        else unknown.add(channel);
      }
      if (!rule.continue) break;
    }
    if (targets.size === 0) {
      unrouted.push(alert);
      for (const channel of fallback) if (defined.has(channel)) targets.add(channel);
    }
    for (const channel of targets) {
      const list = channels.get(channel);
      if (list) list.push(alert);
      else channels.set(channel, [alert]);
    }
  }
  return { channels, unrouted, unknownChannels: [...unknown] };
}

/** The shortest `repeat` of the routes that send `alert` to `channel` (undefined: no reminders). */
export function repeatFor(alert: Alert, channel: string, routes: readonly RouteRule[]): number | undefined {
  let repeat: number | undefined;
  for (const rule of routes) {
    if (!matchesRoute(alert, rule)) continue;
    if (rule.channels.includes(channel) && rule.repeat !== undefined)
      repeat = Math.min(repeat ?? Number.POSITIVE_INFINITY, rule.repeat);
    if (!rule.continue) break;
  }
  return repeat;
}

/** What `vigil validate` (and the servers at start) warn about: alerts that would reach only the fallback. */
export function routingWarnings(routes: readonly RouteRule[], configured?: readonly string[]): string[] {
  const fallback = fallbackChannels(routes, configured).join(', ');
  if (routes.length === 0)
    return [
      `routes: none configured: every alert goes to the fallback (${fallback}); add routes, or set alerts.fallback`,
    ];
  if (routes.some((rule) => !rule.match || Object.keys(rule.match).length === 0)) return [];
  return [
    `routes: every route has a match, so some alerts may match none: they go to the fallback (${fallback})${
      configured && configured.length > 0 ? '' : '; set alerts.fallback to choose where'
    }`,
  ];
}
