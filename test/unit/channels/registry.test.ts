// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:..} / ${ssm:..} are vigil's secret placeholders, not templates
/**
 * The registry and the channels: schema built from it. Type-level checks are in the @ts-expect-error lines
 * (npx tsc --noEmit fails if one of them stops being an error).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { discord } from '../../../functions/channels/discord';
import {
  CHANNEL_TYPES,
  CHANNELS,
  type ChannelConfig,
  type ChannelType,
  defineRegistry,
  isChannelType,
  moduleFor,
} from '../../../functions/channels/registry';
import { channelsSchema, resolveChannel } from '../../../functions/channels/schema';
import { slack } from '../../../functions/channels/slack';
import * as z from '../../../functions/zod-mini';

const CHANNELS_DIR = join(__dirname, '..', '..', '..', 'functions', 'channels');

function looksLikeChannelModule(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'type') === 'string' &&
    typeof Reflect.get(value, 'render') === 'function' &&
    typeof Reflect.get(value, 'send') === 'function' &&
    Reflect.get(value, 'schema') instanceof z.ZodMiniType
  );
}

describe('channel registry', () => {
  it('lists every channel type once', () => {
    expect([...CHANNEL_TYPES].sort()).toEqual(
      [
        'console',
        'dingtalk',
        'discord',
        'feishu',
        'slack',
        'sns',
        'teams',
        'telegram',
        'webhook',
        'wecom',
      ].sort(),
    );
  });

  it.each(CHANNEL_TYPES)('%s is registered under its own type', (type) => {
    expect(CHANNELS[type].type).toBe(type);
  });

  it('registers every channel module in functions/channels', () => {
    const files = readdirSync(CHANNELS_DIR).filter((file) => file.endsWith('.ts'));
    const found: string[] = [];
    for (const file of files) {
      const exports = require(join(CHANNELS_DIR, file)) as Record<string, unknown>;
      for (const value of Object.values(exports)) {
        if (!looksLikeChannelModule(value)) continue;
        found.push(value.type);
        expect({ file, registered: isChannelType(value.type) && CHANNELS[value.type] === value }).toEqual({
          file,
          registered: true,
        });
      }
    }
    expect(new Set(found)).toEqual(new Set(CHANNEL_TYPES));
  });

  it('finds the module for a config', () => {
    expect(moduleFor({ type: 'slack', url: 'https://x.test/services/a' })).toBe(slack);
  });

  it('rejects a mislabelled or foreign entry at compile time', () => {
    // @ts-expect-error a module registered under another type's key
    defineRegistry({ slack: discord });
    // @ts-expect-error something that is not a channel module
    defineRegistry({ slack, other: 42 });
    expect(defineRegistry({ slack, discord })).toEqual({ slack, discord });
    // @ts-expect-error ChannelType comes from the registry
    const unknownType: ChannelType = 'pager';
    expect(unknownType).toBe('pager');
  });
});

describe('channels: config schema', () => {
  const valid: Record<string, unknown> = {
    ops: { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz' },
    gaming: { type: 'discord', url: '${ssm:/vigil/discord-url}', username: 'vigil', threadId: '123' },
    'msft.teams': { type: 'teams', url: '${env:TEAMS_URL}' },
    tg: { type: 'telegram', token: '${ssm:/vigil/tg-token}', chatId: -1001234567890, threadId: 42 },
    hook_1: {
      type: 'webhook',
      url: 'https://example.com/hook',
      headers: { Authorization: 'Bearer ${env:HOOK_TOKEN}' },
    },
    local: { type: 'console' },
  };

  it('accepts one entry of each of my channel types and applies defaults', () => {
    const parsed = channelsSchema.parse(valid);
    expect(parsed.tg).toMatchObject({ apiUrl: 'https://api.telegram.org' });
    expect(parsed.hook_1).toMatchObject({ maxBodyBytes: 1024 * 1024 });
    expect(Object.keys(parsed)).toEqual(Object.keys(valid));
  });

  it.each([
    {
      name: 'unknown type',
      input: { x: { type: 'pagerduty', url: 'https://x' } },
      path: ['x', 'type'],
      message:
        /unknown channel type "pagerduty": use one of slack, discord, teams, telegram, webhook, console, wecom/,
    },
    {
      name: 'missing type',
      input: { x: { url: 'https://x' } },
      path: ['x', 'type'],
      message: /type is required: one of slack/,
    },
    {
      name: 'bad name',
      input: { 'no spaces': { type: 'console' } },
      path: ['no spaces'],
      message: /use 1-64 letters/,
    },
    {
      name: 'reserved console',
      input: { console: { type: 'console' } },
      path: ['console'],
      message: /built-in console channel/,
    },
    {
      name: 'unknown field',
      input: { x: { type: 'slack', url: 'https://x.test/a', channel: '#ops' } },
      path: ['x'],
      message: /channel/,
    },
    {
      name: 'bad placeholder',
      input: { x: { type: 'slack', url: '${vault:abc}' } },
      path: ['x', 'url'],
      message: /\$\{env:NAME\}/,
    },
    {
      name: 'telegram token',
      input: { x: { type: 'telegram', token: 'nope', chatId: 1 } },
      path: ['x', 'token'],
      message: /bot token/,
    },
  ])('reports $name at its path', ({ input, path, message }) => {
    const result = channelsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    );
  });

  it('reports every problem, not just the first', () => {
    const result = channelsSchema.safeParse({
      a: { type: 'nope' },
      b: { type: 'slack' },
      console: { type: 'console' },
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['a.type', 'b.url', 'console']);
  });

  it('never echoes a webhook URL in an error', () => {
    const secretUrl = 'ftp://hooks.example.com/services/T0/B0/SECRETtoken123';
    const result = channelsSchema.safeParse({ x: { type: 'slack', url: secretUrl } });
    expect(JSON.stringify(result.error?.issues)).not.toContain('SECRETtoken123');
  });

  it('has a JSON schema for editors with one entry per type', () => {
    const json = JSON.stringify(z.toJSONSchema(channelsSchema, { io: 'input', unrepresentable: 'any' }));
    for (const type of CHANNEL_TYPES) expect(json).toContain(`"const":"${type}"`);
  });

  it('resolves the built-in console channel without a definition', () => {
    const channels = channelsSchema.parse(valid);
    expect(resolveChannel('console', {})).toEqual({ type: 'console' });
    expect(resolveChannel('ops', channels)).toEqual(valid.ops);
    expect(resolveChannel('nope', channels)).toBeUndefined();
    expect(resolveChannel('toString', channels)).toBeUndefined();
    const config: ChannelConfig | undefined = resolveChannel('tg', channels);
    expect(config?.type).toBe('telegram');
  });
});
