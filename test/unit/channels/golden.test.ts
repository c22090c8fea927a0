/**
 * Golden tests of the Slack, Discord, Teams, Telegram, webhook and console renderers: every case is compared with
 * test/golden/channels/<channel>-<case>.json (UPDATE_GOLDEN=1 regenerates), validated with the vendor's own limits
 * (the fakes' validators, written independently of the renderers) and checked for clean cuts.
 */
import type { Alert } from '../../../functions/alerts/types';
import { CONSOLE_TEXT_MAX_CHARS, console as consoleChannel } from '../../../functions/channels/console';
import { discord } from '../../../functions/channels/discord';
import { webhook } from '../../../functions/channels/generic-webhook';
import { slack } from '../../../functions/channels/slack';
import { teams } from '../../../functions/channels/teams';
import { telegram } from '../../../functions/channels/telegram';
import {
  codePoints,
  discordProblems,
  parseTelegramHtml,
  slackProblems,
  teamsProblems,
  telegramProblems,
} from '../../fakes/vendors';
import { expectCleanCuts, expectGolden, goldenCases, NOW, stringsOf } from './fixtures';

const WEBHOOK_TEST_MAX_BYTES = 16_384;

interface Case {
  channel: string;
  render: (alerts: Alert[]) => unknown;
  /** The vendor's objections to the message, by its own measure. */
  problems: (message: unknown) => string[];
  /** The "+N more" note as the reader sees it. */
  omitted: (message: unknown) => number;
}

const moreIn = (message: unknown) => {
  const match = stringsOf(message)
    .map((text) => /\+(\d+) more/.exec(text))
    .find(Boolean);
  return match ? Number(match[1]) : 0;
};

const CHANNELS: Case[] = [
  {
    channel: 'slack',
    render: (alerts) =>
      slack.render(alerts, { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' }, { now: NOW }),
    problems: (message) => {
      const problems = slackProblems(message);
      const text = (message as { text: string }).text;
      if (codePoints(text) > 4000) problems.push('text above the advised 4000 characters');
      return problems;
    },
    omitted: moreIn,
  },
  {
    channel: 'discord',
    render: (alerts) =>
      discord.render(alerts, { type: 'discord', url: 'https://discord.com/api/webhooks/1/x' }, { now: NOW }),
    problems: discordProblems,
    omitted: moreIn,
  },
  {
    channel: 'teams',
    render: (alerts) =>
      teams.render(alerts, { type: 'teams', url: 'https://example.logic.azure.com/x' }, { now: NOW }),
    problems: (message) => teamsProblems(JSON.stringify(message)),
    omitted: moreIn,
  },
  {
    channel: 'telegram',
    render: (alerts) =>
      telegram.render(
        alerts,
        { type: 'telegram', apiUrl: 'https://api.telegram.org', token: '1:x', chatId: -100123, threadId: 42 },
        { now: NOW },
      ),
    problems: (message) => {
      const { request, plainText } = message as { request: { text: string }; plainText: string };
      return [...telegramProblems(request), ...telegramProblems({ text: plainText })];
    },
    omitted: (message) => moreIn((message as { request: unknown }).request),
  },
  {
    channel: 'webhook',
    render: (alerts) =>
      webhook.render(
        alerts,
        { type: 'webhook', url: 'https://example.com/hook', maxBodyBytes: WEBHOOK_TEST_MAX_BYTES },
        { now: NOW },
      ),
    problems: (message) =>
      Buffer.byteLength(JSON.stringify(message)) > WEBHOOK_TEST_MAX_BYTES ? ['body above maxBodyBytes'] : [],
    omitted: (message) => (message as { truncatedAlerts: number }).truncatedAlerts,
  },
  {
    channel: 'console',
    render: (alerts) => consoleChannel.render(alerts, { type: 'console' }, { now: NOW }),
    problems: (message) => (codePoints(message as string) > CONSOLE_TEXT_MAX_CHARS ? ['too long'] : []),
    omitted: moreIn,
  },
];

const cases = goldenCases();
const table = CHANNELS.flatMap((channel) => Object.keys(cases).map((name) => ({ ...channel, name })));

describe('channel renderers', () => {
  it.each(table)('$channel-$name matches its golden file', ({ channel, name, render }) => {
    const message = render(cases[name]!);
    // Console text is stored line by line so the golden file reads like the terminal.
    expectGolden(`${channel}-${name}`, typeof message === 'string' ? message.split('\n') : message);
  });

  it.each(table)('$channel-$name is within the vendor limits', ({ name, render, problems }) => {
    expect(problems(render(cases[name]!))).toEqual([]);
  });

  it.each(table)('$channel-$name never splits a character', ({ name, render }) => {
    expectCleanCuts(render(cases[name]!));
  });

  it.each(CHANNELS)(
    '$channel cuts the over-limit digest on boundaries and says "+N more"',
    ({ render, omitted }) => {
      const alerts = cases['cjk-emoji-over-limit']!;
      const message = render(alerts);
      expect(omitted(message)).toBeGreaterThan(0);
      expect(omitted(message)).toBeLessThan(alerts.length);
      // Cut fixture texts were found and every one ends on a grapheme boundary.
      expect(expectCleanCuts(message)).toBeGreaterThan(0);
    },
  );

  it.each(CHANNELS)('$channel shows every alert of a small digest', ({ render, omitted }) => {
    const alerts = cases['mixed-digest']!.slice(0, 5);
    const message = render(alerts);
    expect(omitted(message)).toBe(0);
    const text = JSON.stringify(message);
    for (const alert of alerts) expect(text).toContain(alert.name);
  });

  it('colours resolved alerts green, never red', () => {
    const [resolved] = cases.resolved!;
    const slackMessage = slack.render(
      [resolved!],
      { type: 'slack', url: 'https://x.test/services/a' },
      { now: NOW },
    );
    expect(slackMessage.attachments[0]!.color).toBe('#2EB67D');
    const discordMessage = discord.render(
      [resolved!],
      { type: 'discord', url: 'https://x.test/a' },
      { now: NOW },
    );
    expect(discordMessage.embeds[0]!.color).toBe(0x2eb67d);
    const card = teams.render([resolved!], { type: 'teams', url: 'https://x.test/a' }, { now: NOW })
      .attachments[0].content;
    expect(JSON.stringify(card)).not.toMatch(/"(Attention|attention)"/);
    expect(card.body[0]).toMatchObject({ color: 'Good' });
  });

  it('colours firing alerts by severity', () => {
    const colours = (['emergency', 'critical', 'warning', 'info'] as const).map(
      (severity) =>
        slack.render(
          [cases['single-firing-critical']![0]!].map((a) => ({ ...a, severity })),
          {
            type: 'slack',
            url: 'https://x.test/services/a',
          },
          { now: NOW },
        ).attachments[0]!.color,
    );
    expect(new Set(colours).size).toBe(4);
    expect(colours).not.toContain('#2EB67D');
  });

  it('telegram escapes alert text so it cannot inject markup', () => {
    const hostile = cases['single-firing-critical']![0]!;
    const message = telegram.render(
      [{ ...hostile, summary: '<b>5 < 6 & "x"</b> <a href="https://evil">click</a>' }],
      { type: 'telegram', apiUrl: 'https://api.telegram.org', token: '1:x', chatId: 1 },
      { now: NOW },
    );
    const parsed = parseTelegramHtml(message.request.text);
    expect(parsed).toHaveProperty('text');
    expect((parsed as { text: string }).text).toContain(
      '<b>5 < 6 & "x"</b> <a href="https://evil">click</a>',
    );
    expect(message.request.text).not.toContain('<a href="https://evil"');
  });

  it('slack escapes alert text so it cannot mention @channel', () => {
    const alert = {
      ...cases['single-firing-critical']![0]!,
      summary: '<!channel> <https://evil|click> & co',
    };
    const message = slack.render([alert], { type: 'slack', url: 'https://x.test/services/a' }, { now: NOW });
    const text = JSON.stringify(message);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('discord never lets alert text ping anyone', () => {
    const alert = { ...cases['single-firing-critical']![0]!, name: '@everyone <@&123>', summary: '@here' };
    const message = discord.render([alert], { type: 'discord', url: 'https://x.test/a' }, { now: NOW });
    expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  it('renders one message for all alerts of a delivery', () => {
    const alerts = cases['mixed-digest']!;
    const message = webhook.render(
      alerts,
      { type: 'webhook', url: 'https://x.test/a', maxBodyBytes: 1 << 20 },
      { now: NOW },
    );
    expect(message.alerts).toHaveLength(alerts.length);
    expect(message.status).toBe('firing');
    expect(message.truncatedAlerts).toBe(0);
  });
});
