/**
 * Classification shared by the chat robots that answer HTTP 200 to everything and put the verdict in a body code:
 * WeCom and DingTalk (`errcode` / `errmsg`), Feishu (`code` / `msg`). Each vendor keeps its own code table and waits
 * in its module; what is the same is how a code, or the lack of one, becomes a DeliveryError, and that the vendor's
 * words in it are one line, bounded, and free of credentials even when the vendor (or a proxy) echoes them.
 */
import { redact } from '../logging/redact';
import { oneLine, truncateBytes } from './text';
import { DeliveryError, type DeliveryReason, type HttpResponse } from './types';
import { classifyStatus, isRecord, isSuccessStatus, parseJsonBody } from './vendor-http';

/** How much of a vendor's own words goes into an error message. */
export const VENDOR_TEXT_MAX_BYTES = 300;

/** What one of a vendor's business codes means for delivery. */
export interface CodeVerdict {
  reason: DeliveryReason;
  retryable: boolean;
}
export type CodeTable = ReadonlyMap<number, CodeVerdict>;

/** A code the vendor's table does not list. */
const UNLISTED_CODE: CodeVerdict = { reason: 'vendor-error', retryable: false };

/** The vendor's own words: one line, bounded, with `hide` (also URL-encoded) and registered secrets removed. */
export function vendorText(value: unknown, hide: readonly string[]): string {
  let text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  for (const secret of hide) {
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      if (form) text = text.split(form).join('***');
  }
  return truncateBytes(redact(oneLine(text)), VENDOR_TEXT_MAX_BYTES);
}

/**
 * An answer without a usable body code (none, or 0 on a non-2xx status) is judged by its HTTP status; a 2xx without
 * one is a vendor-error. `codeName` is the body field the message says was missing.
 */
export function classifyWithoutCode(
  vendor: string,
  codeName: string,
  response: HttpResponse,
  now: Date,
  hide: readonly string[],
  detail: { vendorCode?: number; retryAfterMs?: number } = {},
): DeliveryError {
  return (
    classifyStatus(vendor, response, now, { message: vendorText(response.body, hide), ...detail }) ??
    new DeliveryError(
      `${vendor} answered HTTP ${response.status} without ${codeName}: ${vendorText(response.body, hide)}`,
      {
        reason: 'vendor-error',
        retryable: false,
        status: response.status,
      },
    )
  );
}

/** A non-zero body code as `<what>: <vendor's words>`, with the code's verdict from the vendor's table. */
export function codeError(
  what: string,
  said: unknown,
  init: {
    code: number;
    codes: CodeTable;
    status: number;
    hide: readonly string[];
    retryAfterMs: number | undefined;
  },
): DeliveryError {
  return new DeliveryError(`${what}: ${vendorText(said, init.hide)}`, {
    ...(init.codes.get(init.code) ?? UNLISTED_CODE),
    status: init.status,
    vendorCode: init.code,
    ...(init.retryAfterMs === undefined ? {} : { retryAfterMs: init.retryAfterMs }),
  });
}

/**
 * The `{errcode, errmsg}` answer of the WeCom and DingTalk robots; undefined means delivered (errcode 0 on a 2xx).
 * `retryAfterMs` is the vendor's own wait for an errcode (its throttling rules), `hide` the credentials to keep out.
 */
export function classifyErrcode(
  vendor: string,
  response: HttpResponse,
  now: Date,
  rules: {
    codes: CodeTable;
    hide: readonly string[];
    retryAfterMs: (errcode: number) => number | undefined;
  },
): DeliveryError | undefined {
  const json = parseJsonBody(response.body);
  const code = isRecord(json) && typeof json.errcode === 'number' ? json.errcode : undefined;
  if (code === undefined || (code === 0 && !isSuccessStatus(response.status))) {
    return classifyWithoutCode(vendor, 'errcode', response, now, rules.hide);
  }
  if (code === 0) return undefined;
  return codeError(`${vendor} errcode ${code}`, isRecord(json) ? json.errmsg : '', {
    code,
    codes: rules.codes,
    status: response.status,
    hide: rules.hide,
    retryAfterMs: rules.retryAfterMs(code),
  });
}
