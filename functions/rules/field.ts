/**
 * The `rules:` key of a prometheus target: one rule file or a list, as written. The schema keeps the names; config
 * load (config/rules.ts) reads and translates the files into the rest of the RuleSet, reporting every problem.
 */
import type { z } from 'zod';
import type { RuleSet } from './types';

/** A RuleSet with only the file names: what the schema hands to config load, which fills in the rest. */
export function unresolvedRuleSet(files: readonly string[]): RuleSet {
  return { files: [...files], paths: [], recordings: [], metrics: [] };
}

/** Built from the config schema's zod (probing/kinds/types.ts): the probe's bundle holds no zod. */
export function ruleFilesField(zod: typeof z) {
  return zod
    .union([zod.string().min(1), zod.array(zod.string().min(1)).min(1)])
    .transform((value) => unresolvedRuleSet(typeof value === 'string' ? [value] : value))
    .optional();
}
