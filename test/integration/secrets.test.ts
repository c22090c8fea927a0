// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:..} and ${ssm:..} are vigil placeholders, not JS templates
/** ${env:} / ${ssm:} placeholders resolved through the real SSM client against the loopback SSM fake. */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../functions/cli/main';
import {
  clearSecretCache,
  referencedSsmParameters,
  resolveSecrets,
  resolveSecretsDeep,
  SecretError,
} from '../../functions/config/secrets';
import { clearSecrets, redact } from '../../functions/logging/redact';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeSsm, startFakeSsm } from '../fakes/ssm';
import { type ChatFake, startSlackFake } from '../fakes/vendors';
import { captureIo } from '../helpers/io';

let ssm: FakeSsm;
let slack: ChatFake;
let restore: () => void;

beforeAll(async () => {
  slack = await startSlackFake('slackSecretToken99887766');
  ssm = await startFakeSsm({
    '/vigil/webhook-token': { value: 'tok-from-ssm-123', type: 'SecureString' },
    '/vigil/slack-url': slack.url,
  });
  restore = setFakeAwsEnv({ SSM: ssm.url });
});

afterAll(async () => {
  await ssm.close();
  await slack.close();
  restore();
});

beforeEach(() => {
  clearSecretCache();
  clearSecrets();
  ssm.calls.length = 0;
});

describe('secrets', () => {
  it('resolves env and SSM placeholders, decrypting SecureStrings, and registers them for redaction', async () => {
    const value = await resolveSecrets('Bearer ${ssm:/vigil/webhook-token} for ${env:WHO}', {
      env: { WHO: 'probe-user-x' },
    });
    expect(value).toBe('Bearer tok-from-ssm-123 for probe-user-x');
    expect(ssm.calls).toEqual([{ name: '/vigil/webhook-token', withDecryption: true }]);
    expect(redact('leaked tok-from-ssm-123 and probe-user-x')).toBe('leaked *** and ***');
  });

  it('reads each SSM parameter once per process', async () => {
    await resolveSecretsDeep({ a: '${ssm:/vigil/webhook-token}', b: ['${ssm:/vigil/webhook-token}'] });
    await resolveSecrets('${ssm:/vigil/webhook-token}');
    expect(ssm.calls).toHaveLength(1);
  });

  it.each([
    [
      'a missing environment variable',
      '${env:NOT_SET_ANYWHERE}',
      /environment variable NOT_SET_ANYWHERE is not set/,
    ],
    [
      'a missing SSM parameter',
      '${ssm:/vigil/nope}',
      /SSM parameter \/vigil\/nope could not be read \(ParameterNotFound/,
    ],
  ])('fails clearly on %s', async (_name, text, message) => {
    await expect(resolveSecrets(text, { env: {} })).rejects.toThrow(SecretError);
    await expect(resolveSecrets(text, { env: {} })).rejects.toThrow(message);
  });

  it('does not cache a failed SSM read: the next run tries again', async () => {
    await expect(resolveSecrets('${ssm:/vigil/later}')).rejects.toThrow(SecretError);
    ssm.put('/vigil/later', 'now-it-exists');
    await expect(resolveSecrets('${ssm:/vigil/later}')).resolves.toBe('now-it-exists');
  });

  it('lists the SSM parameters a config references (for least-privilege IAM)', () => {
    expect([...referencedSsmParameters({ a: '${ssm:/a/b}', b: ['x ${ssm:/c} ${env:D}'], c: 3 })]).toEqual([
      '/a/b',
      '/c',
    ]);
  });
});

describe('vigil notify test', () => {
  const config = (url: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-notify-')), 'vigil.yml');
    writeFileSync(file, `channels:\n  ops-slack: { type: slack, url: "${url}" }\n`);
    return file;
  };

  it('renders a sample alert and sends it to the channel, URL read from SSM', async () => {
    const before = slack.requests.length;
    const out = captureIo();
    const code = await main(
      [
        'notify',
        'test',
        '--channel',
        'ops-slack',
        '--severity',
        'emergency',
        '--config',
        config('${ssm:/vigil/slack-url}'),
      ],
      out.streams,
    );
    expect(code).toBe(0);
    expect(out.text()).toMatch(/ops-slack accepted the emergency firing test alert/);
    expect(slack.requests.length).toBe(before + 1);
    expect(slack.requests.at(-1)!.body).toContain('Goroutines');
  });

  it('sends to the built-in console', async () => {
    const out = captureIo();
    expect(
      await main(
        ['notify', 'test', '--channel', 'console', '--resolved', '--config', config(slack.url)],
        out.streams,
      ),
    ).toBe(0);
    expect(out.text()).toMatch(/RESOLVED/i);
  });

  it.each([
    [['notify', 'test'], /--channel NAME is required/],
    [['notify', 'test', '--channel', 'nope'], /unknown channel "nope"/],
    [['notify', 'test', '--channel', 'console', '--severity', 'huge'], /--severity must be one of/],
  ])('%j exits 2', async (argv, message) => {
    const out = captureIo();
    expect(await main([...argv, '--config', config(slack.url)], out.streams)).toBe(2);
    expect(out.text()).toMatch(message);
  });

  it('exits 1 when the channel refuses, without printing its token', async () => {
    const out = captureIo();
    const wrong = slack.url.replace('slackSecretToken99887766', 'wrongTokenAbcdef123456');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-cwd-'));
    const cwd = process.cwd();
    process.chdir(dir); // the failed notification is dead-lettered under ./.vigil
    try {
      expect(
        await main(['notify', 'test', '--channel', 'ops-slack', '--config', config(wrong)], out.streams),
      ).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    expect(out.text()).toMatch(/ops-slack: .*auth|invalid_token/);
    expect(out.text()).not.toContain('wrongTokenAbcdef123456');
  });
});
