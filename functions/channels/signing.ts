/**
 * Request signatures of the DingTalk and Feishu/Lark custom robots (alerts.md B7). Pure: the clock is a parameter,
 * so the senders recompute a fresh signature on every attempt and tests can pin the vendors' test vectors.
 */
import { createHmac } from 'node:crypto';

export interface Signature {
  /** Decimal string: milliseconds for DingTalk, seconds for Feishu. */
  timestamp: string;
  /** Standard Base64 (with + / =), not URL-encoded: the caller's URL or JSON encoder does that once. */
  sign: string;
}

/** DingTalk 加签: HMAC-SHA256(key = secret, message = `${ms}\n${secret}`), Base64. Goes into the query string. */
export function dingtalkSign(secret: string, nowMs: number): Signature {
  const timestamp = String(Math.floor(nowMs));
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  return { timestamp, sign };
}

/** Feishu/Lark: HMAC-SHA256(key = `${seconds}\n${secret}`, empty message), Base64 — key and message swapped vs DingTalk. */
export function feishuSign(secret: string, nowMs: number): Signature {
  const timestamp = String(Math.floor(nowMs / 1000));
  const sign = createHmac('sha256', `${timestamp}\n${secret}`).update(Buffer.alloc(0)).digest('base64');
  return { timestamp, sign };
}
