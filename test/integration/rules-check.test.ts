/**
 * Rule files are checked as `promtool check rules` checks them: each file below is given to both, and vigil
 * refuses exactly the files promtool refuses, naming the line, group, rule and reason. Then the CLI a user runs:
 * `vigil rules check` (what each rule becomes, exit codes, --json) and `vigil validate` on a config whose rule
 * file is wrong.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../functions/cli/main';
import { parseRuleFile } from '../../functions/rules/file';
import { captureIo } from '../helpers/io';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const rule = (body: string) => `groups:\n  - name: g\n    rules:\n${body}`;

const CASES: [name: string, text: string, issue: RegExp | undefined][] = [
  ['a valid file', rule('      - alert: A\n        expr: up == 0\n        for: 1m\n'), undefined],
  ['an empty file', '', undefined],
  ['groups with no rules', 'groups:\n  - name: g\n    rules: []\n', undefined],
  ['a recording rule', rule('      - record: job:up:sum\n        expr: sum by (job) (up)\n'), undefined],
  [
    'an unknown field',
    rule('      - alert: A\n        expr: up\n        severity: page\n'),
    /^6: yaml: field severity not found/,
  ],
  ['an unknown group field', 'groups:\n  - name: g\n    rulez: []\n', /^3: yaml: field rulez not found/],
  [
    'a repeated group name',
    'groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n',
    /^4: groupname: "g" is repeated/,
  ],
  ['an empty group name', 'groups:\n  - name: ""\n    rules: []\n', /Groupname must not be empty/],
  [
    'record and alert',
    rule('      - alert: A\n        record: b\n        expr: up\n'),
    /rule 1 "A": only one of 'record' and 'alert'/,
  ],
  ['neither record nor alert', rule('      - expr: up\n'), /one of 'record' or 'alert' must be set/],
  ['no expr', rule('      - alert: A\n'), /field 'expr' must be set/],
  [
    'a bad for',
    rule('      - alert: A\n        expr: up\n        for: 5\n'),
    /not a valid duration string: "5"/,
  ],
  [
    'units out of order',
    rule('      - alert: A\n        expr: up\n        for: 1m1h\n'),
    /not a valid duration string/,
  ],
  [
    'for on a recording rule',
    rule('      - record: a\n        expr: up\n        for: 1m\n'),
    /invalid field 'for' in recording rule/,
  ],
  [
    'annotations on a recording rule',
    rule('      - record: a\n        expr: up\n        annotations: { a: b }\n'),
    /invalid field 'annotations'/,
  ],
  [
    'braces in a record name',
    rule('      - record: a{b="c"}\n        expr: up\n'),
    /braces present in the recording rule name/,
  ],
  [
    '__name__ as a label',
    rule('      - alert: A\n        expr: up\n        labels: { __name__: x }\n'),
    /invalid label name: __name__/,
  ],
  [
    'a template that does not parse',
    rule('      - alert: A\n        expr: up\n        annotations: { d: "{{ $value " }\n'),
    /annotation "d": template: __alert_A: unclosed action/,
  ],
  [
    'an undefined template function',
    rule('      - alert: A\n        expr: up\n        labels: { d: "{{ nosuch }}" }\n'),
    /label "d": .*function "nosuch" not defined/,
  ],
  ['a YAML syntax error', 'groups:\n  - name: [g\n', /^\d+: yaml: /],
];

describe('rule files are refused exactly when promtool check rules refuses them', () => {
  it.each(CASES)('%s', async (_name, text, issue) => {
    const path = file(`case-${Math.random().toString(36).slice(2)}.yml`, text);
    const promtool = await run('promtool', ['check', 'rules', path]).then(
      () => 'ok',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    const { issues } = parseRuleFile(text);
    const ours = issues.map((found) => `${found.line ?? '-'}: ${found.message}`);
    if (issue === undefined) {
      expect(promtool).toBe('ok');
      expect(ours).toEqual([]);
    } else {
      expect(promtool).not.toBe('ok');
      expect(ours.some((line) => issue.test(line))).toBe(true);
    }
  });
});

describe('vigil rules check', () => {
  it('explains every rule of the issue’s file and exits 0', async () => {
    const { io, out } = captureIo({ NO_COLOR: '1' });
    const code = await main(['rules', 'check', join(__dirname, '../fixtures/rules/mall_go_rules.yml')], io);
    expect(code).toBe(0);
    expect(out()).toContain(
      'metric HighQPS = rate(mall_go_http_requests_total[5m]) (Count/Second); warning alarm when > 1000 in 3 of 3 periods of 1m',
    );
    expect(out()).toContain(
      'metric HighQPS = rate(mall_go_http_requests_total[5m]) (Count/Second); critical alarm when > 5000 in 2 of 2 periods of 1m',
    );
    expect(out()).toContain('(Seconds); warning alarm when > 0.1 in 4 of 4 periods of 1m');
    expect(out()).toContain("the target's down alarm (ProbeSuccess < 1), critical, in 2 of 2 periods of 1m");
    expect(out()).toContain('SUCCESS: 7 rules found, all translate');
  });

  it('says why a rule cannot be translated, with its line, and exits 1; --json has the same', async () => {
    const path = file(
      'untranslatable.yml',
      rule(
        '      - alert: Ratio\n        expr: a / b\n      - alert: Kept\n        expr: a > 1\n        keep_firing_for: 5m\n      - alert: Fine\n        expr: rate(a[5m]) > 1\n        labels: { severity: page }\n',
      ),
    );
    const text = captureIo({ NO_COLOR: '1' });
    expect(await main(['rules', 'check', path, '--schedule', '2m'], text.io)).toBe(1);
    expect(text.out()).toContain('the expression must end in a comparison with a number');
    expect(text.out()).toContain('keep_firing_for is not supported');
    expect(text.out()).toContain('severity "page" is not a vigil level');
    expect(text.out()).toContain('FAILED: 2 of 3 rules cannot be translated');
    const json = captureIo({});
    expect(await main(['rules', 'check', path, '--json'], json.io)).toBe(1);
    const report = JSON.parse(json.out());
    expect(report.ok).toBe(false);
    expect(
      report.files[0].rules.map((r: { rule: string; ok: boolean; line: number }) => [r.rule, r.ok, r.line]),
    ).toEqual([
      ['Ratio', false, 4],
      ['Kept', false, 6],
      ['Fine', true, 9],
    ]);
  });

  it.each([
    [['rules'], 'expected: vigil rules check FILE...'],
    [['rules', 'check'], 'name at least one rule file'],
    [['rules', 'check', 'x.yml', '--schedule', '30s'], '--schedule must be a duration from 1m to 24h'],
  ])('exits 2 on usage errors: %j', async (argv, message) => {
    const { io, err } = captureIo({});
    expect(await main(argv, io)).toBe(2);
    expect(err()).toContain(message);
  });

  it('exits 1 on a file it cannot read', async () => {
    const { io, out } = captureIo({ NO_COLOR: '1' });
    expect(await main(['rules', 'check', join(dir, 'missing.yml')], io)).toBe(1);
    expect(out()).toContain('FAILED: file not found');
  });
});

describe('vigil validate with rule files', () => {
  it('lists a rule file’s problems with the file, line, group, rule and reason, at the target’s rules entry', async () => {
    const rules = file(
      'bad-rules.yml',
      rule('      - alert: A\n        expr: rate(a[5m]) == 1\n        for: 1x\n'),
    );
    const config = file(
      'vigil.yml',
      `targets:\n  - name: api\n    url: http://127.0.0.1:9/metrics\n    type: prometheus\n    rules: [${JSON.stringify(rules)}]\n`,
    );
    const { io, err, out } = captureIo({ NO_COLOR: '1' });
    expect(await main(['validate', '--config', config], io)).toBe(2);
    const text = `${out()}${err()}`;
    expect(text).toContain(
      `targets[0].rules[0] (line 5): ${rules}:4: group "g", rule 1 "A": not a valid duration string: "1x"`,
    );
  });
});
