/**
 * Loopback fakes of the WeCom, DingTalk and Feishu/Lark robots that behave like the real ones (alerts.md B2–B4, B7–B9):
 * HTTP 200 with a vendor error code for every business failure, signatures checked with the vendors' own algorithm
 * (written out here independently of functions/channels/signing.ts, so a bug there cannot hide), stale timestamps,
 * byte limits, keyword checks, per-robot rate limits and scripted throttling. Every request is recorded.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type RecordedRequest, startFakeVendor } from './vendors';

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

/** A request as the robot received it, with what it answered and when (by the robot's clock). */
export interface AnsweredRequest extends RecordedRequest {
  answer: FakeAnswer;
  at: number;
}

export interface CnVendorFake {
  /** The full webhook URL a channel is configured with (it carries the credential). */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly requests: AnsweredRequest[];
  /** The next `times` requests get the vendor's rate-limit answer, whatever they contain. */
  throttle(times?: number): void;
  /** The next requests get these answers, in order, whatever they contain. */
  script(...answers: FakeAnswer[]): void;
  close(): Promise<void>;
}

interface CommonOptions {
  /** The vendor's clock (ms) for signature freshness and rate windows; Date.now by default. */
  now?: () => number;
  /** Misbehave like a chatty proxy: put the request URL and body into error messages (for redaction tests). */
  echoRequestInErrors?: boolean;
}

type Handler = (request: RecordedRequest, echo: string) => FakeAnswer;

/** A robot at `path` on a recording loopback server: scripted answers first, then `handle`. */
async function startRobot(
  path: string,
  throttled: () => FakeAnswer,
  handle: Handler,
  options: CommonOptions,
): Promise<CnVendorFake> {
  const requests: AnsweredRequest[] = [];
  const scripted: FakeAnswer[] = [];
  const server = await startFakeVendor((request) => {
    const echo = options.echoRequestInErrors ? ` (request ${request.url} ${request.body.slice(0, 200)})` : '';
    const answer = scripted.shift() ?? handle(request, echo);
    requests.push({ ...request, answer, at: (options.now ?? Date.now)() });
    return answer;
  });
  return {
    url: server.origin + path,
    origin: server.origin,
    requests,
    throttle(times = 1) {
      for (let i = 0; i < times; i++) scripted.push(throttled());
    },
    script(...answers) {
      scripted.push(...answers);
    },
    close: server.close,
  };
}

/** A fixed-window counter per robot: `limit` requests per `windowMs`, every request counted. */
function windowCounter(limit: number, windowMs: number, now: () => number): () => boolean {
  let window = -1;
  let count = 0;
  return () => {
    const current = Math.floor(now() / windowMs);
    if (current !== window) {
      window = current;
      count = 0;
    }
    count++;
    return count > limit;
  };
}

function hint(): string {
  return randomBytes(8).toString('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// WeCom robot: POST /cgi-bin/webhook/send?key=KEY

export interface WecomFakeOptions extends CommonOptions {
  key?: string;
  /** 20 per minute per robot, failures included. */
  perMinute?: number;
}

const WECOM_LIMITS: Record<string, number> = { text: 2048, markdown: 4096, markdown_v2: 4096 };

export function startWecomFake(options: WecomFakeOptions = {}): Promise<CnVendorFake> {
  const key = options.key ?? `wk-${hint()}`;
  const now = options.now ?? Date.now;
  const overLimit = windowCounter(options.perMinute ?? 20, 60_000, now);
  const fail = (errcode: number, errmsg: string, echo = ''): FakeAnswer => ({
    status: 200,
    body: { errcode, errmsg: `${errmsg}, hint: [${hint()}]${echo}` },
  });
  const throttled = () => fail(45009, 'api freq out of limit');
  return startRobot(
    `/cgi-bin/webhook/send?key=${key}`,
    throttled,
    (request, echo) => {
      if (!request.url.startsWith('/cgi-bin/webhook/send') || request.query.get('key') !== key) {
        return fail(93000, 'invalid webhook url', echo);
      }
      if (overLimit()) return throttled();
      const message = request.json as Record<string, { content?: unknown } | undefined> | undefined;
      const msgtype = typeof message?.msgtype === 'string' ? message.msgtype : undefined;
      if (!message || !msgtype) return fail(40035, 'invalid parameter', echo);
      const limit = WECOM_LIMITS[msgtype];
      if (limit === undefined) return fail(40008, 'invalid message type', echo);
      const content = message[msgtype]?.content;
      if (typeof content !== 'string' || content.trim() === '') return fail(44004, 'empty content', echo);
      if (Buffer.byteLength(content) > limit) return fail(45002, `content exceed max length ${limit}`, echo);
      return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
    },
    options,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// DingTalk robot: POST /robot/send?access_token=TOKEN[&timestamp=ms&sign=…]

export interface DingtalkFakeOptions extends CommonOptions {
  accessToken?: string;
  /** When set, requests must carry a fresh valid 加签 signature. */
  secret?: string;
  /** When set, the message must contain it. */
  keyword?: string;
  /** 20 per minute; then the robot is blocked for 10 minutes. */
  perMinute?: number;
}

export const DINGTALK_FAKE_MAX_BODY_BYTES = 20_000;

export function startDingtalkFake(options: DingtalkFakeOptions = {}): Promise<CnVendorFake> {
  const token = options.accessToken ?? `dt${hint()}${hint()}`;
  const now = options.now ?? Date.now;
  const overLimit = windowCounter(options.perMinute ?? 20, 60_000, now);
  let blockedUntil = 0;
  const fail = (errcode: number, errmsg: string, echo = ''): FakeAnswer => ({
    status: 200,
    body: { errcode, errmsg: errmsg + echo },
  });
  const throttled = () => fail(130101, 'send too fast, exceed 20 times per minute');
  return startRobot(
    `/robot/send?access_token=${token}`,
    throttled,
    (request, echo) => {
      if (!request.url.startsWith('/robot/send') || request.query.get('access_token') !== token) {
        return fail(300001, 'token is not exist', echo);
      }
      if (options.secret !== undefined) {
        const timestamp = request.query.get('timestamp') ?? '';
        const sign = request.query.get('sign') ?? ''; // decoded once, as the real server does
        if (!/^\d{13}$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > 3_600_000) {
          return fail(310000, 'invalid timestamp', echo);
        }
        const expected = createHmac('sha256', options.secret)
          .update(`${timestamp}\n${options.secret}`)
          .digest('base64');
        if (sign !== expected) return fail(310000, 'sign not match', echo);
      }
      if (now() < blockedUntil) return throttled();
      if (overLimit()) {
        blockedUntil = now() + 10 * 60_000;
        return throttled();
      }
      if (request.bytes > DINGTALK_FAKE_MAX_BODY_BYTES) {
        return fail(460101, `message too long, exceed ${DINGTALK_FAKE_MAX_BODY_BYTES} bytes`, echo);
      }
      const message = request.json as
        | { msgtype?: unknown; text?: { content?: unknown }; markdown?: { title?: unknown; text?: unknown } }
        | undefined;
      let content: string;
      if (
        message?.msgtype === 'markdown' &&
        typeof message.markdown?.text === 'string' &&
        typeof message.markdown.title === 'string'
      ) {
        content = message.markdown.text;
      } else if (message?.msgtype === 'text' && typeof message.text?.content === 'string') {
        content = message.text.content;
      } else {
        return fail(40035, '缺少参数 json', echo);
      }
      if (options.keyword !== undefined && !content.includes(options.keyword)) {
        return fail(310000, 'keywords not in content', echo);
      }
      return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
    },
    options,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Feishu / Lark bot: POST /open-apis/bot/v2/hook/TOKEN

export interface FeishuFakeOptions extends CommonOptions {
  token?: string;
  /** When set, the body must carry a fresh valid `timestamp` + `sign`. */
  secret?: string;
  /** When set, the card text must contain it. */
  keyword?: string;
  /** 5 per second and 100 per minute per bot. */
  perSecond?: number;
  perMinute?: number;
}

export const FEISHU_FAKE_MAX_BODY_BYTES = 20_000;

export function startFeishuFake(options: FeishuFakeOptions = {}): Promise<CnVendorFake> {
  const token = options.token ?? `${hint()}-${hint()}`;
  const now = options.now ?? Date.now;
  const overSecond = windowCounter(options.perSecond ?? 5, 1000, now);
  const overMinute = windowCounter(options.perMinute ?? 100, 60_000, now);
  const fail = (code: number, msg: string, echo = ''): FakeAnswer => ({
    status: 200,
    body: { code, data: {}, msg: msg + echo },
  });
  const throttled = () => fail(11232, 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]');
  return startRobot(
    `/open-apis/bot/v2/hook/${token}`,
    throttled,
    (request, echo) => {
      if (request.url.split('?')[0] !== `/open-apis/bot/v2/hook/${token}`) {
        return fail(19001, 'param invalid: incoming webhook access token invalid', echo);
      }
      if (request.bytes > FEISHU_FAKE_MAX_BODY_BYTES) {
        return fail(19036, 'The message exceeds the size limit', echo);
      }
      const body = request.json as Record<string, unknown> | undefined;
      if (!body) return fail(9499, 'Bad Request', echo);
      if (options.secret !== undefined) {
        const timestamp = typeof body.timestamp === 'string' ? body.timestamp : '';
        const sign = typeof body.sign === 'string' ? body.sign : '';
        const expected = createHmac('sha256', `${timestamp}\n${options.secret}`).update('').digest('base64');
        const fresh = /^\d{10}$/.test(timestamp) && Math.abs(now() / 1000 - Number(timestamp)) <= 3600;
        if (!fresh || sign !== expected) {
          return fail(19021, 'sign match fail or timestamp is not within one hour from current time', echo);
        }
      }
      const s = overSecond();
      const m = overMinute();
      if (s || m) return throttled();
      if (body.msg_type !== 'interactive' && body.msg_type !== 'text' && body.msg_type !== 'post') {
        return fail(19002, 'params error, msg_type need', echo);
      }
      if (
        options.keyword !== undefined &&
        !textsOf(body.card ?? body.content).some((text) => text.includes(options.keyword!))
      ) {
        return fail(19024, 'Key Words Not Found', echo);
      }
      return {
        status: 200,
        body: { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' },
      };
    },
    options,
  );
}

/** Every string a user would read in a card / content (what the keyword check looks at). */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      key === 'url' || key === 'tag' ? [] : textsOf(item),
    );
  }
  return [];
}
