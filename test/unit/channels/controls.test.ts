/**
 * Control characters in labels and annotations (ESC/OSC sequences, BEL, NUL, U+202E) never reach a terminal or a
 * chat client: every channel in the registry renders them neutralised, through the same function delivery uses.
 */
import { CHANNEL_TYPES, type ChannelConfig, moduleFor } from '../../../functions/channels/registry';
import { neutralizeControls } from '../../../functions/channels/text';
import { renderSafely } from '../../../functions/notify/deliver';
import { makeAlert, NOW, stringsOf } from './fixtures';

/** A valid config per channel type (every type in the registry must be listed: a new channel fails here). */
const CONFIGS: { [T in ChannelConfig['type']]: Extract<ChannelConfig, { type: T }> } = {
  slack: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
  discord: { type: 'discord', url: 'https://discord.com/api/webhooks/1/x' },
  teams: { type: 'teams', url: 'https://example.logic.azure.com/workflows/x' },
  telegram: { type: 'telegram', token: '123:abc', chatId: '-100' },
  webhook: { type: 'webhook', url: 'https://example.com/hook', maxBodyBytes: 1_048_576 },
  console: { type: 'console' },
  wecom: { type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
  dingtalk: { type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t' },
  feishu: { type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/t' },
  sns: { type: 'sns', topicArn: 'arn:aws:sns:us-east-1:123456789012:pager' },
} as never;

const HOSTILE = 'x\u001b[2J\u001b]0;pwned\u0007 \u0000nul \u009b31m \u007f evil\u202Etxt.exe \u2066iso\u2069';
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters that must not pass
const FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

const alert = makeAlert({
  name: HOSTILE,
  summary: `summary ${HOSTILE}`,
  description: `description ${HOSTILE}`,
  labels: { alertname: HOSTILE, severity: 'critical', [`k${HOSTILE}`]: HOSTILE },
  annotations: { summary: HOSTILE, runbook_url: 'https://example.com/rb' },
});

describe('control characters', () => {
  it.each(CHANNEL_TYPES)('%s renders none of them', (type) => {
    const config = CONFIGS[type] as ChannelConfig;
    const message = renderSafely(moduleFor(config), [alert], config, NOW);
    const texts = [...stringsOf(message), JSON.stringify(message)];
    for (const text of texts)
      expect([type, FORBIDDEN.exec(JSON.parse(JSON.stringify(text)))?.[0]]).toEqual([type, undefined]);
    // Shown, not executed: the escape is visible as a control picture.
    expect(JSON.stringify(message)).toContain('␛[2J');
  });

  it.each([
    ['ESC and BEL become visible', '\u001b]0;t\u0007', '␛]0;t␇'],
    ['NUL and DEL', 'a\u0000b\u007f', 'a␀b␡'],
    ['C1 CSI', 'a\u009b31m', 'a\uFFFD31m'],
    ['bidi overrides and isolates are dropped', 'a\u202Eb\u2066c\u2069', 'abc'],
    ['tabs and newlines stay', 'a\tb\nc', 'a\tb\nc'],
    ['CJK and emoji stay', '数据库 🔥👩\u200d💻', '数据库 🔥👩\u200d💻'],
  ])('%s', (_name, input, expected) => {
    expect(neutralizeControls(input)).toBe(expected);
  });
});
