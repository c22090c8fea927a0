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
 * - Alerts that match no route, or only routes whose channels are all unknown, are returned as `unrouted`
 *   (the caller reports them; they are never silently dropped).
 * - `console` is built in; any other channel must be defined under `channels:` (the config schema checks this at
 *   load; here an unknown name is skipped and reported in `unknownChannels`).
 */
import type { Alert } from '../alerts/types';

/** Channels that need no definition under `channels:`. */
export const BUILTIN_CHANNELS: readonly string[] = ['console'];

/** One entry of `routes:` (RouteConfig from config/schema.ts fits). */
export interface RouteRule {
  match?: Readonly<Record<string, string | readonly string[]>> | undefined;
  channels: readonly string[];
  continue?: boolean | undefined;
}

export interface Routed {
  /** Channel name → its alerts, in input order, each alert at most once per channel. */
  channels: Map<string, Alert[]>;
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

/** Does the alert satisfy every entry of the route's match? */
export function matchesRoute(alert: Alert, rule: RouteRule): boolean {
  if (!rule.match) return true;
  return Object.entries(rule.match).every(([label, expected]) => {
    // Own properties only: a route on "constructor" must not find Object.prototype's.
    const actual = Object.hasOwn(alert.labels, label) ? (alert.labels[label] ?? '') : '';
    const options: readonly string[] = typeof expected === 'string' ? [expected] : expected;
    return options.some((option) => matchesValue(option, actual));
  });
}

/** Routes every alert; see the module comment for the rules. */
export function route(
  alerts: readonly Alert[],
  routes: readonly RouteRule[],
  channelsDefined: Iterable<string>,
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
    if (targets.size === 0) unrouted.push(alert);
    for (const channel of targets) {
      const list = channels.get(channel);
      if (list) list.push(alert);
      else channels.set(channel, [alert]);
    }
  }
  return { channels, unrouted, unknownChannels: [...unknown] };
}
