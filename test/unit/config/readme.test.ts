/**
 * Every config key is documented: the README's "Configuration reference" lists each key path of the config schema
 * (configJsonSchema(), the same schema validation uses), and nothing the schema no longer has.
 *
 * The convention (stated in the README too): a key counts as documented when its path appears in backticks in the
 * first column of a table row under `## Configuration reference`. Paths join keys with `.`, write `[]` for the
 * items of a list and `<name>` for the entries of a map (`targets[].url`, `channels.<name>.url`); `{a,b}` expands
 * to both, as in a shell (`probe.{timeout,schedule}`). A key added to the schema without a row fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../../functions/config/schema';

const README = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
const SECTION = '## Configuration reference';

type JsonSchema = {
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
};

/** Every key path the schema accepts, in the README's notation. */
function schemaPaths(root: JsonSchema): Set<string> {
  const defs = { ...root.definitions, ...root.$defs };
  const paths = new Set<string>();
  const deref = (schema: JsonSchema): JsonSchema => {
    if (schema.$ref === undefined) return schema;
    const target = defs[schema.$ref.split('/').at(-1)!];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return deref(target);
  };
  const walk = (raw: JsonSchema, path: string) => {
    const schema = deref(raw);
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
      walk(branch, path);
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      const next = path === '' ? key : `${path}.${key}`;
      paths.add(next);
      walk(child, next);
    }
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}.<name>`);
    if (schema.items) walk(schema.items, `${path}[]`);
  };
  walk(root, '');
  return paths;
}

/** `a.{b,c}.d` → a.b.d, a.c.d (every group, left to right). */
function expandBraces(text: string): string[] {
  const match = /\{([^{}]*)\}/.exec(text);
  if (!match) return [text];
  const head = text.slice(0, match.index);
  const tail = text.slice(match.index + match[0].length);
  return match[1]!.split(',').flatMap((option) => expandBraces(`${head}${option.trim()}${tail}`));
}

/** Key paths documented in the reference section: backticked paths in the first cell of its table rows. */
function documentedPaths(readme: string): Set<string> {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start === -1) throw new Error(`README.md has no "${SECTION}" section`);
  const rest = readme.slice(start + SECTION.length + 2);
  const end = rest.search(/\n## /);
  const section = end === -1 ? rest : rest.slice(0, end);
  const paths = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const first = line.split('|')[1] ?? '';
    for (const [, code] of first.matchAll(/`([^`]+)`/g))
      for (const path of expandBraces(code!)) paths.add(path);
  }
  paths.delete('Key');
  return paths;
}

describe('README configuration reference', () => {
  const schema = schemaPaths(configJsonSchema() as JsonSchema);
  const documented = documentedPaths(README);

  it('walks a schema that has the keys we know of (the walker itself works)', () => {
    for (const path of [
      'probe.timeout',
      'targets[].metrics[].thresholds.critical.missing',
      'channels.<name>.url',
      'alarms.down.missing',
      'alerts.meta',
      'logs.retentionDays',
    ])
      expect(schema).toContain(path);
  });

  it('documents every key of the config schema', () => {
    expect([...schema].filter((path) => !documented.has(path))).toEqual([]);
  });

  it('documents no key the schema does not have', () => {
    expect([...documented].filter((path) => !schema.has(path))).toEqual([]);
  });

  it.each([
    ['a.{b,c}', ['a.b', 'a.c']],
    ['x[].{p,q}.{r,s}', ['x[].p.r', 'x[].p.s', 'x[].q.r', 'x[].q.s']],
    ['plain', ['plain']],
  ])('expands %s', (text, expected) => {
    expect(expandBraces(text)).toEqual(expected);
  });
});
