import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../functions/config/load';
import { packagedConfigText, readRuntimeConfig } from '../../../functions/config/runtime';
import { configFiles, PACKAGE_STAGING_DIR, stageConfigFiles } from '../../../infra/package-files';

function dirs() {
  const service = mkdtempSync(join(tmpdir(), 'vigil-service-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'vigil-elsewhere-'));
  return { service, elsewhere };
}

describe('the files a deployment packages', () => {
  it('starts with the config file itself, resolved', () => {
    const { elsewhere } = dirs();
    const file = join(elsewhere, 'prod.yml');
    expect(configFiles(file, parseConfig(''))).toEqual([file]);
  });

  it('adds every rule file a prometheus target names, once, after the config', () => {
    const { elsewhere } = dirs();
    mkdirSync(join(elsewhere, 'rules'));
    writeFileSync(join(elsewhere, 'rules', 'a.yml'), 'groups: []\n');
    writeFileSync(join(elsewhere, 'rules', 'b.yml'), 'groups: []\n');
    const file = join(elsewhere, 'prod.yml');
    const config = parseConfig(
      `targets:
  - { name: a, url: "http://10.0.0.1/metrics", type: prometheus, rules: [rules/a.yml, rules/b.yml] }
  - { name: b, url: "http://10.0.0.2/metrics", type: prometheus, rules: rules/a.yml }
`,
      file,
    );
    expect(configFiles(file, config)).toEqual([
      file,
      join(elsewhere, 'rules', 'a.yml'),
      join(elsewhere, 'rules', 'b.yml'),
    ]);
  });

  it('stages a config from anywhere under the service directory, same bytes, same name', () => {
    const { service, elsewhere } = dirs();
    const file = join(elsewhere, 'prod.yml');
    writeFileSync(file, 'namespace: Prod\n');

    const staged = stageConfigFiles(service, [file]);

    expect(staged.configPath).toMatch(new RegExp(`^\\${PACKAGE_STAGING_DIR}/[0-9a-f]{12}/prod\\.yml$`));
    expect(staged.patterns).toEqual([staged.configPath]);
    expect(readFileSync(join(service, staged.configPath), 'utf8')).toBe('namespace: Prod\n');
  });

  it('writes the validated config beside the copy, and points the functions at it', () => {
    const { service, elsewhere } = dirs();
    const file = join(elsewhere, 'prod.yml');
    writeFileSync(file, 'namespace: Prod\n');
    const config = parseConfig('namespace: Prod\n');

    const staged = stageConfigFiles(service, [file], packagedConfigText(config, 'prod.yml'));

    expect(staged.configPath).toMatch(
      new RegExp(`^\\${PACKAGE_STAGING_DIR}/[0-9a-f]{12}/vigil\\.config\\.json$`),
    );
    expect(staged.patterns).toEqual([
      staged.configPath.replace('vigil.config.json', 'prod.yml'),
      staged.configPath,
    ]);
    expect(readRuntimeConfig({ VIGIL_CONFIG: join(service, staged.configPath) })).toEqual(config);
  });

  it('refuses a packaged config another vigil wrote, naming what to do', () => {
    const { elsewhere } = dirs();
    const file = join(elsewhere, 'vigil.config.json');
    writeFileSync(file, JSON.stringify({ format: 1, vigil: '0.0.0-old', source: 'x', config: {} }));
    expect(() => readRuntimeConfig({ VIGIL_CONFIG: file })).toThrow(
      /not a config packaged by vigil .*: package and deploy again/,
    );
  });

  it('keeps referenced files at their place relative to the config', () => {
    const { service, elsewhere } = dirs();
    mkdirSync(join(elsewhere, 'rules'));
    writeFileSync(join(elsewhere, 'vigil.yml'), 'namespace: A\n');
    writeFileSync(join(elsewhere, 'rules', 'api.yml'), 'groups: []\n');

    const staged = stageConfigFiles(service, [
      join(elsewhere, 'vigil.yml'),
      join(elsewhere, 'rules', 'api.yml'),
    ]);

    const dir = staged.configPath.slice(0, staged.configPath.lastIndexOf('/'));
    expect(staged.patterns).toEqual([`${dir}/vigil.yml`, `${dir}/rules/api.yml`]);
    expect(readFileSync(join(service, dir, 'rules', 'api.yml'), 'utf8')).toBe('groups: []\n');
  });

  it('refuses a referenced file outside the config directory (the copy could not keep the layout)', () => {
    const { service, elsewhere } = dirs();
    writeFileSync(join(elsewhere, 'vigil.yml'), '');
    expect(() => stageConfigFiles(service, [join(elsewhere, 'vigil.yml'), join(tmpdir(), 'x.yml')])).toThrow(
      /is outside .*: files a config references must sit next to it or below/,
    );
  });

  it('names the copy by content: the same config twice is one copy, an edit is another; stale copies go', () => {
    const { service, elsewhere } = dirs();
    const file = join(elsewhere, 'vigil.yml');
    writeFileSync(file, 'namespace: A\n');
    const first = stageConfigFiles(service, [file]);
    expect(stageConfigFiles(service, [file])).toEqual(first);

    const root = join(service, PACKAGE_STAGING_DIR);
    const old = join(root, first.configPath.split('/')[1]!);
    utimesSync(old, new Date(0), new Date(0));
    writeFileSync(file, 'namespace: B\n');
    const second = stageConfigFiles(service, [file]);

    expect(second.configPath).not.toBe(first.configPath);
    expect(readdirSync(root)).toEqual([second.configPath.split('/')[1]]);
  });
});
