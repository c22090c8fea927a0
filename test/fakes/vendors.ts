/**
 * Loopback fakes of the chat vendors vigil posts to (alerts.md B1, B5a–c): each checks the credential in the URL,
 * validates the body with the vendor's own limits (written out here independently of functions/channels, so a
 * renderer bug cannot hide), answers with the vendor's status codes and bodies, and records every request.
 *
 * Building blocks for any other fake: `startFakeVendor(handler)` (a recording HTTP server on 127.0.0.1 with a
 * script of canned answers), the `reply` helpers, and the `*Problems(payload)` validators, which golden tests use
 * to assert the vendor's own limits on rendered messages.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------------------------
// Generic recording server

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** UTF-8 bytes on the wire. */
  bytes: number;
  /** The parsed body; undefined when it was not JSON. */
  json: unknown;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as text/plain, anything else as JSON; undefined sends no body. */
  body?: unknown;
}

/** 'hang' never answers (until close); 'reset' destroys the connection (a network error for the client). */
export type FakeAction = FakeReply | 'hang' | 'reset';
export type FakeHandler = (request: RecordedRequest) => FakeAction | Promise<FakeAction>;

export interface FakeVendor {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** The next requests get these actions, in order, whatever they contain (then the vendor behaviour again). */
  script(...actions: FakeAction[]): void;
  close(): Promise<void>;
}

/** Fakes refuse bodies above this before parsing. */
export const FAKE_MAX_BODY_BYTES = 4 * 1024 * 1024;

export const reply = {
  json: (status: number, body: unknown, headers: Record<string, string> = {}): FakeReply => ({
    status,
    body,
    headers,
  }),
  text: (status: number, body: string, headers: Record<string, string> = {}): FakeReply => ({
    status,
    body,
    headers,
  }),
  empty: (status: number, headers: Record<string, string> = {}): FakeReply => ({ status, headers }),
};

function writeReply(res: ServerResponse, answer: FakeReply): void {
  const headers: Record<string, string> = { ...answer.headers };
  let body = '';
  if (typeof answer.body === 'string') {
    body = answer.body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (answer.body !== undefined) {
    body = JSON.stringify(answer.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(answer.status, headers);
  res.end(answer.status === 204 ? undefined : body);
}

/** A recording HTTP server on 127.0.0.1: scripted actions first, then `handler`. */
export async function startFakeVendor(handler: FakeHandler): Promise<FakeVendor> {
  const requests: RecordedRequest[] = [];
  const scripted: FakeAction[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes <= FAKE_MAX_BODY_BYTES) chunks.push(chunk);
      }
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://fake');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body,
        bytes,
        json,
      };
      requests.push(request);
      const action =
        bytes > FAKE_MAX_BODY_BYTES
          ? reply.text(413, 'request entity too large')
          : (scripted.shift() ?? (await handler(request)));
      if (action === 'hang') return;
      if (action === 'reset') {
        req.socket.destroy();
        return;
      }
      writeReply(res, action);
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    script: (...actions) => scripted.push(...actions),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An origin on 127.0.0.1 where nothing listens (a port just released): connecting is refused. */
export async function closedOrigin(): Promise<string> {
  const fake = await startFakeVendor(() => reply.empty(204));
  await fake.close();
  return fake.origin;
}

// ---------------------------------------------------------------------------------------------------------------
// Measures, written out independently of functions/channels/text.ts

/** Unicode code points: what Slack and Discord count as characters. */
export function codePoints(text: string): number {
  return Array.from(text).length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A vendor fake: a recording server plus the URL a channel is configured with. */
export interface ChatFake extends FakeVendor {
  /** The full URL (or API base) a channel is configured with; it carries the credential. */
  readonly url: string;
  /** Scripts the vendor's own rate-limit answer for the next request. */
  rateLimit(seconds: number): void;
  /** Scripts the vendor's own server-error answer for the next request. */
  serverError(): void;
  /** Scripts the vendor's own "bad request" answer for the next request. */
  badRequest(): void;
}

// ---------------------------------------------------------------------------------------------------------------
// Slack incoming webhook (B1)

export const SLACK_FAKE = {
  sectionTextMaxChars: 3000,
  headerTextMaxChars: 150,
  contextElementsMax: 10,
  blocksMax: 50,
  attachmentsMax: 100,
  /** msg_blocks_too_long observed at ~13 KB (bolt-js#2509). */
  blocksMaxBytes: 13_000,
  textMaxChars: 40_000,
} as const;

/** Slack's error codes for a payload, [] when it would be accepted. */
export function slackProblems(payload: unknown): string[] {
  if (!isRecord(payload)) return ['invalid_payload'];
  const attachments = arr(payload.attachments);
  const topBlocks = arr(payload.blocks);
  const problems: string[] = [];
  if (!str(payload.text) && topBlocks.length === 0 && attachments.length === 0) problems.push('no_text');
  if (attachments.length > SLACK_FAKE.attachmentsMax) problems.push('too_many_attachments');
  const blocks = [...topBlocks, ...attachments.flatMap((a) => (isRecord(a) ? arr(a.blocks) : []))];
  if (blocks.length > SLACK_FAKE.blocksMax) problems.push('invalid_blocks');
  for (const block of blocks) {
    if (!isRecord(block)) {
      problems.push('invalid_blocks');
      continue;
    }
    const text = isRecord(block.text) ? str(block.text.text) : '';
    if (block.type === 'header' && (codePoints(text) > SLACK_FAKE.headerTextMaxChars || text === '')) {
      problems.push('invalid_blocks');
    }
    if (block.type === 'section' && (codePoints(text) > SLACK_FAKE.sectionTextMaxChars || text === '')) {
      problems.push('invalid_blocks');
    }
    if (block.type === 'context') {
      const elements = arr(block.elements);
      if (elements.length === 0 || elements.length > SLACK_FAKE.contextElementsMax)
        problems.push('invalid_blocks');
      for (const element of elements) {
        if (codePoints(isRecord(element) ? str(element.text) : '') > SLACK_FAKE.sectionTextMaxChars) {
          problems.push('invalid_blocks');
        }
      }
    }
  }
  if (Buffer.byteLength(JSON.stringify(blocks)) > SLACK_FAKE.blocksMaxBytes)
    problems.push('msg_blocks_too_long');
  for (const attachment of attachments) {
    if (
      isRecord(attachment) &&
      attachment.color !== undefined &&
      !/^#[0-9A-Fa-f]{6}$|^(good|warning|danger)$/.test(str(attachment.color))
    ) {
      problems.push('invalid_attachments');
    }
  }
  return [...new Set(problems)];
}

export const slackReplies = {
  ok: () => reply.text(200, 'ok'),
  rateLimited: (seconds: number) =>
    reply.json(
      429,
      { ok: false, error: 'rate_limited', retry_after: seconds },
      { 'retry-after': String(seconds) },
    ),
  serverError: () => reply.text(500, 'rollup_error'),
  invalidPayload: () => reply.text(400, 'invalid_payload'),
  archived: () => reply.text(410, 'channel_is_archived'),
  invalidToken: () => reply.text(403, 'invalid_token'),
};

/** https://hooks.slack.com/services/T…/B…/<token> on loopback. */
export async function startSlackFake(token = 'slacktoken0123456789abcd'): Promise<ChatFake> {
  const path = `/services/T0000000001/B0000000001/${token}`;
  const fake = await startFakeVendor((request) => {
    if (request.method !== 'POST') return reply.text(405, 'invalid_method');
    if (request.path.startsWith('/services/') && request.path !== path)
      return reply.text(403, 'invalid_token');
    if (request.path !== path) return reply.text(404, 'no_service');
    if (request.json === undefined) return slackReplies.invalidPayload();
    const problems = slackProblems(request.json);
    return problems.length > 0 ? reply.text(400, problems[0]!) : slackReplies.ok();
  });
  return {
    ...fake,
    url: `${fake.origin}${path}`,
    rateLimit: (seconds) => fake.script(slackReplies.rateLimited(seconds)),
    serverError: () => fake.script(slackReplies.serverError()),
    badRequest: () => fake.script(slackReplies.invalidPayload()),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Discord webhook (B5c)

export const DISCORD_FAKE = {
  contentMaxChars: 2000,
  embedsMax: 10,
  totalMaxChars: 6000,
  titleMaxChars: 256,
  descriptionMaxChars: 4096,
  fieldsMax: 25,
  fieldNameMaxChars: 256,
  fieldValueMaxChars: 1024,
  footerMaxChars: 2048,
} as const;

/** Discord's "Invalid Form Body" problems (as field paths), [] when it would be accepted. */
export function discordProblems(payload: unknown): string[] {
  if (!isRecord(payload)) return ['body: not JSON'];
  const problems: string[] = [];
  const content = str(payload.content);
  const embeds = arr(payload.embeds);
  if (!content && embeds.length === 0) problems.push('empty message');
  if (codePoints(content) > DISCORD_FAKE.contentMaxChars) problems.push('content: BASE_TYPE_MAX_LENGTH');
  if (embeds.length > DISCORD_FAKE.embedsMax) problems.push('embeds: BASE_TYPE_MAX_LENGTH');
  let total = 0;
  embeds.forEach((embed, i) => {
    if (!isRecord(embed)) {
      problems.push(`embeds.${i}: not an object`);
      return;
    }
    const title = str(embed.title);
    const description = str(embed.description);
    const fields = arr(embed.fields);
    const footer = isRecord(embed.footer) ? str(embed.footer.text) : '';
    if (codePoints(title) > DISCORD_FAKE.titleMaxChars)
      problems.push(`embeds.${i}.title: BASE_TYPE_MAX_LENGTH`);
    if (codePoints(description) > DISCORD_FAKE.descriptionMaxChars) {
      problems.push(`embeds.${i}.description: BASE_TYPE_MAX_LENGTH`);
    }
    if (fields.length > DISCORD_FAKE.fieldsMax) problems.push(`embeds.${i}.fields: BASE_TYPE_MAX_LENGTH`);
    if (codePoints(footer) > DISCORD_FAKE.footerMaxChars)
      problems.push(`embeds.${i}.footer.text: BASE_TYPE_MAX_LENGTH`);
    const color = embed.color;
    if (
      color !== undefined &&
      (typeof color !== 'number' || !Number.isInteger(color) || color < 0 || color > 0xffffff)
    ) {
      problems.push(`embeds.${i}.color: NUMBER_TYPE_MAX`);
    }
    if (embed.timestamp !== undefined && Number.isNaN(Date.parse(str(embed.timestamp)))) {
      problems.push(`embeds.${i}.timestamp: DATE_TYPE_PARSE`);
    }
    total += codePoints(title) + codePoints(description) + codePoints(footer);
    fields.forEach((field, j) => {
      const name = isRecord(field) ? str(field.name) : '';
      const value = isRecord(field) ? str(field.value) : '';
      if (!name || codePoints(name) > DISCORD_FAKE.fieldNameMaxChars)
        problems.push(`embeds.${i}.fields.${j}.name`);
      if (!value || codePoints(value) > DISCORD_FAKE.fieldValueMaxChars)
        problems.push(`embeds.${i}.fields.${j}.value`);
      total += codePoints(name) + codePoints(value);
    });
  });
  if (total > DISCORD_FAKE.totalMaxChars) problems.push('embeds: MAX_EMBED_SIZE_EXCEEDED');
  return problems;
}

export const discordReplies = {
  ok: () =>
    reply.empty(204, {
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset-after': '0.4',
    }),
  rateLimited: (seconds: number) =>
    reply.json(
      429,
      { message: 'You are being rate limited.', retry_after: seconds, global: false },
      {
        'retry-after': String(Math.ceil(seconds)),
        'x-ratelimit-reset-after': String(seconds),
        'x-ratelimit-scope': 'user',
      },
    ),
  serverError: () => reply.json(502, { message: '502: Bad Gateway', code: 0 }),
  invalidForm: (errors: string[] = ['embeds']) =>
    reply.json(400, {
      code: 50035,
      message: 'Invalid Form Body',
      errors: Object.fromEntries(errors.map((e) => [e, {}])),
    }),
};

/** https://discord.com/api/webhooks/<id>/<token> on loopback. */
export async function startDiscordFake(token = 'discordTokenAbCdEf0123456789'): Promise<ChatFake> {
  const id = '112233445566778899';
  const path = `/api/webhooks/${id}/${token}`;
  const fake = await startFakeVendor((request) => {
    if (!request.path.startsWith(`/api/webhooks/${id}/`))
      return reply.json(404, { message: 'Unknown Webhook', code: 10015 });
    if (request.path !== path) return reply.json(401, { message: 'Invalid Webhook Token', code: 50027 });
    if (request.json === undefined)
      return reply.json(400, { message: 'Cannot send an empty message', code: 50006 });
    const problems = discordProblems(request.json);
    return problems.length > 0 ? discordReplies.invalidForm(problems) : discordReplies.ok();
  });
  return {
    ...fake,
    url: `${fake.origin}${path}`,
    rateLimit: (seconds) => fake.script(discordReplies.rateLimited(seconds)),
    serverError: () => fake.script(discordReplies.serverError()),
    badRequest: () => fake.script(discordReplies.invalidForm()),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Teams Workflows (B5b)

export const TEAMS_FAKE = { messageMaxBytes: 28 * 1024 } as const;

/** Problems of a Workflows webhook body (raw, as sent), [] when the flow would accept it. */
export function teamsProblems(body: string): string[] {
  if (Buffer.byteLength(body) > TEAMS_FAKE.messageMaxBytes) return ['MessageTooLarge'];
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return ['InvalidRequestContent: not JSON'];
  }
  if (!isRecord(payload) || payload.type !== 'message')
    return ['InvalidRequestContent: type must be "message"'];
  const attachments = arr(payload.attachments);
  if (attachments.length === 0) return ['InvalidRequestContent: no attachments'];
  const problems: string[] = [];
  for (const attachment of attachments) {
    if (!isRecord(attachment) || attachment.contentType !== 'application/vnd.microsoft.card.adaptive') {
      problems.push('InvalidRequestContent: only Adaptive Cards');
      continue;
    }
    const card = attachment.content;
    if (!isRecord(card) || card.type !== 'AdaptiveCard' || !Array.isArray(card.body)) {
      problems.push('InvalidRequestContent: content is not an AdaptiveCard');
      continue;
    }
    const walk = (element: unknown): void => {
      if (!isRecord(element)) return;
      if (element.type === 'Action.Submit' || element.type === 'Action.Execute')
        problems.push('UnsupportedAction');
      if (element.type === 'Action.OpenUrl' && !/^https?:\/\//.test(str(element.url)))
        problems.push('InvalidUrl');
      for (const value of Object.values(element)) if (Array.isArray(value)) value.forEach(walk);
    };
    card.body.forEach(walk);
  }
  return problems;
}

export const teamsReplies = {
  accepted: () => reply.empty(202),
  rateLimited: (seconds: number) =>
    reply.json(
      429,
      { error: { code: 'WorkflowTriggeredTooManyTimes', message: 'Rate limit is exceeded.' } },
      { 'retry-after': String(seconds) },
    ),
  serverError: () => reply.json(503, { error: { code: 'ServiceUnavailable', message: 'Try again later.' } }),
  badRequest: (why = 'InvalidRequestContent') =>
    reply.json(400, { error: { code: why, message: 'The request content is not valid.' } }),
};

/** A Workflows trigger URL (…/invoke?api-version=1&sp=…&sig=<sig>) on loopback. */
export async function startTeamsFake(sig = 'teamsSigQwErTy0123456789'): Promise<ChatFake> {
  const path = '/workflows/0a1b2c3d/triggers/manual/paths/invoke';
  const fake = await startFakeVendor((request) => {
    if (request.path !== path) return reply.json(404, { error: { code: 'WorkflowNotFound' } });
    if (request.query.get('sig') !== sig) {
      return reply.json(401, {
        error: { code: 'DirectApiAuthorizationRequired', message: 'The signature is invalid.' },
      });
    }
    const problems = teamsProblems(request.body);
    if (problems[0] === 'MessageTooLarge') return reply.json(413, { error: { code: 'MessageTooLarge' } });
    return problems.length > 0 ? teamsReplies.badRequest(problems[0]) : teamsReplies.accepted();
  });
  return {
    ...fake,
    url: `${fake.origin}${path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`,
    rateLimit: (seconds) => fake.script(teamsReplies.rateLimited(seconds)),
    serverError: () => fake.script(teamsReplies.serverError()),
    badRequest: () => fake.script(teamsReplies.badRequest()),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Telegram Bot API (B5a)

export const TELEGRAM_FAKE = { textMaxChars: 4096 } as const;

const TELEGRAM_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-spoiler',
  'span',
]);

/**
 * Telegram's HTML parse mode: the supported tags properly nested, only &lt; &gt; &amp; &quot; and numeric
 * entities. Returns the text after entity parsing, or the API's "can't parse entities" error.
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  let text = '';
  const open: string[] = [];
  let i = 0;
  const offset = () => Buffer.byteLength(html.slice(0, i));
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === '<') {
      const tag = /^<(\/?)([a-zA-Z][a-zA-Z-]*)((?:\s+[a-zA-Z-]+(?:="[^"]*"|='[^']*')?)*)\s*>/.exec(
        html.slice(i),
      );
      if (!tag) return { error: `Unsupported start tag at byte offset ${offset()}` };
      const [whole, closing, nameRaw, attrs] = tag as unknown as [string, string, string, string];
      const name = nameRaw.toLowerCase();
      if (!TELEGRAM_TAGS.has(name))
        return { error: `Unsupported start tag "${name}" at byte offset ${offset()}` };
      if (closing) {
        if (open.pop() !== name)
          return { error: `Unmatched end tag at byte offset ${offset()}, expected "</${name}>"` };
      } else {
        if (name === 'a' && !/\shref=/.test(attrs))
          return { error: `Can't find href in <a> at byte offset ${offset()}` };
        open.push(name);
      }
      i += whole.length;
    } else if (ch === '&') {
      const entity = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/.exec(html.slice(i));
      if (entity) {
        const name = entity[1]!;
        text +=
          name === 'lt'
            ? '<'
            : name === 'gt'
              ? '>'
              : name === 'amp'
                ? '&'
                : name === 'quot'
                  ? '"'
                  : String.fromCodePoint(
                      name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)),
                    );
        i += entity[0].length;
      } else if (/^&[a-zA-Z]+;/.test(html.slice(i))) {
        return { error: `Unsupported HTML entity at byte offset ${offset()}` };
      } else {
        text += ch;
        i++;
      }
    } else {
      text += ch;
      i++;
    }
  }
  if (open.length > 0) return { error: `Can't find end tag corresponding to start tag "${open.at(-1)}"` };
  return { text };
}

/** Telegram's "Bad Request: …" descriptions for a sendMessage body, [] when it would be sent. */
export function telegramProblems(payload: unknown): string[] {
  if (!isRecord(payload)) return ['Bad Request: invalid JSON'];
  const raw = str(payload.text);
  let text = raw;
  if (payload.parse_mode === 'HTML') {
    const parsed = parseTelegramHtml(raw);
    if ('error' in parsed) return [`Bad Request: can't parse entities: ${parsed.error}`];
    text = parsed.text;
  }
  if (text.trim() === '') return ['Bad Request: message text is empty'];
  // Telegram counts UTF-16 code units after entity parsing.
  if (text.length > TELEGRAM_FAKE.textMaxChars) return ['Bad Request: message is too long'];
  return [];
}

const telegramError = (status: number, description: string, parameters?: Record<string, unknown>) =>
  reply.json(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });

export const telegramReplies = {
  rateLimited: (seconds: number) =>
    telegramError(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds }),
  serverError: () => telegramError(502, 'Bad Gateway'),
  cantParse: () =>
    telegramError(400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'),
  badRequest: () => telegramError(400, 'Bad Request: message text is empty'),
  migrated: (chatId: number) =>
    telegramError(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
      migrate_to_chat_id: chatId,
    }),
  kicked: () => telegramError(403, 'Forbidden: bot was kicked from the supergroup chat'),
};

export interface TelegramFake extends ChatFake {
  readonly token: string;
  readonly chatId: number;
}

/** api.telegram.org on loopback: `url` is the apiUrl to configure; the token goes into the path. */
export async function startTelegramFake(
  token = '123456789:AAHtelegramTokenQwErTy0123456789',
  chatId = -1001234567890,
): Promise<TelegramFake> {
  let messageId = 0;
  const fake = await startFakeVendor((request) => {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.path);
    if (!match) return telegramError(404, 'Not Found');
    if (match[1] !== token) return telegramError(401, 'Unauthorized');
    if (match[2] !== 'sendMessage') return telegramError(404, 'Not Found: method not found');
    const payload = request.json;
    if (!isRecord(payload)) return telegramError(400, 'Bad Request: invalid JSON');
    if (String(payload.chat_id) !== String(chatId)) return telegramError(400, 'Bad Request: chat not found');
    const problems = telegramProblems(payload);
    if (problems.length > 0) return telegramError(400, problems[0]!);
    messageId++;
    return reply.json(200, {
      ok: true,
      result: {
        message_id: messageId,
        chat: { id: chatId, type: 'supergroup' },
        date: 1787458530,
        text: '…',
      },
    });
  });
  return {
    ...fake,
    url: fake.origin,
    token,
    chatId,
    rateLimit: (seconds) => fake.script(telegramReplies.rateLimited(seconds)),
    serverError: () => fake.script(telegramReplies.serverError()),
    badRequest: () => fake.script(telegramReplies.badRequest()),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Generic webhook receiver

export interface WebhookFakeOptions {
  /** Required value of the Authorization header (401 otherwise). */
  authorization?: string;
  /** 413 above this. */
  maxBodyBytes?: number;
}

/** A JSON receiver at /hooks/<secret>: 200 {"received": n}. */
export async function startWebhookFake(
  secret = 'webhookPathSecret0123456789',
  options: WebhookFakeOptions = {},
): Promise<ChatFake> {
  const path = `/hooks/${secret}`;
  const fake = await startFakeVendor((request) => {
    if (request.path !== path) return reply.json(404, { error: 'not found' });
    if (options.authorization !== undefined && request.headers.authorization !== options.authorization) {
      return reply.json(401, { error: 'unauthorized' });
    }
    if (options.maxBodyBytes !== undefined && request.bytes > options.maxBodyBytes) {
      return reply.json(413, { error: 'payload too large' });
    }
    if (!String(request.headers['content-type']).startsWith('application/json') || !isRecord(request.json)) {
      return reply.json(400, { error: 'expected a JSON object' });
    }
    return reply.json(200, { received: arr(request.json.alerts).length });
  });
  return {
    ...fake,
    url: `${fake.origin}${path}`,
    rateLimit: (seconds) =>
      fake.script(reply.json(429, { error: 'slow down' }, { 'retry-after': String(seconds) })),
    serverError: () => fake.script(reply.json(503, { error: 'unavailable' })),
    badRequest: () => fake.script(reply.json(400, { error: 'bad request' })),
  };
}
