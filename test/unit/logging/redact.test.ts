import { clearSecrets, redact, redactValue, registerSecret } from '../../../functions/logging/redact';

describe('redact', () => {
  afterEach(() => clearSecrets());

  it.each([
    [
      'slack',
      'https://hooks.slack.com/services/T000/B000/XXXXsecret',
      'https://hooks.slack.com/services/***',
    ],
    [
      'wecom key',
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234',
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***',
    ],
    [
      'dingtalk token and sign',
      'https://oapi.dingtalk.com/robot/send?access_token=tok123&timestamp=1&sign=abc%3D',
      'https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***',
    ],
    [
      'feishu',
      'https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-aaaa',
      'https://open.feishu.cn/open-apis/bot/v2/hook/***',
    ],
    [
      'telegram',
      'https://api.telegram.org/bot123456:AAE-secret_token/sendMessage',
      'https://api.telegram.org/bot***/sendMessage',
    ],
    [
      'discord',
      'https://discord.com/api/webhooks/1234567/tok-en_value',
      'https://discord.com/api/webhooks/1234567/***',
    ],
    [
      'teams sig',
      'https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?api-version=1&sig=S3CR3T',
      'https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?api-version=1&sig=***',
    ],
    ['userinfo', 'http://user:pa55word@127.0.0.1:8080/x', 'http://***@127.0.0.1:8080/x'],
  ])('hides credentials in a %s URL', (_name, url, expected) => {
    expect(redact(`request to ${url} failed`)).toBe(`request to ${expected} failed`);
  });

  it('hides registered secrets, also URL-encoded, in nested values and errors', () => {
    registerSecret('p@ss word/+=');
    const error = new Error('auth failed with p@ss word/+=');
    const logged = redactValue({ list: ['x p%40ss%20word%2F%2B%3D y'], error, n: 1 });
    expect(JSON.stringify(logged)).not.toContain('p@ss');
    expect(JSON.stringify(logged)).not.toContain('p%40ss');
    expect((logged.error as Error).message).toBe('auth failed with ***');
    expect(logged.n).toBe(1);
  });

  it('does not register trivially short values', () => {
    registerSecret('ok');
    expect(redact('status ok')).toBe('status ok');
  });
});
