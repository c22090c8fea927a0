/**
 * Config building blocks shared by the channel schemas. A webhook URL is a credential: validation messages never
 * echo it.
 */
import { PLACEHOLDER_RE, placeholderError } from '../config/secrets';
import * as z from '../zod-mini';

/** A string that may contain ${env:NAME} / ${ssm:/path} placeholders (syntax checked here, resolved at send time). */
export const secretString = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.superRefine((value, ctx) => {
    const error = placeholderError(value);
    if (error) ctx.addIssue({ code: 'custom', message: error });
  }),
);

/** An http(s) URL, or a placeholder that resolves to one (checked again after resolution). */
export const webhookUrl = secretString.check(
  z.superRefine((value, ctx) => {
    if (PLACEHOLDER_RE.test(value)) return;
    if (!isHttpUrl(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'not an http(s) URL (value not shown: webhook URLs are credentials)',
      });
    }
  }),
);

/** A string that may be (or contain) a ${...} placeholder, checked for syntax here; unlike secretString, '' passes. */
export const placeholderString = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = placeholderError(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/**
 * A chat robot's webhook URL (a credential: never echoed in messages) or a placeholder resolved before send.
 * `example` shows the vendor's URL shape; `tokenProblem` is the vendor's own check that the URL carries its token.
 */
export function robotWebhookUrl(example: string, tokenProblem: (url: URL) => string | undefined) {
  return placeholderString.check(
    z.superRefine((value, ctx) => {
      if (PLACEHOLDER_RE.test(value)) return;
      if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
        ctx.addIssue({ code: 'custom', message: `is not an http(s) URL (expected ${example})` });
        return;
      }
      const problem = tokenProblem(new URL(value));
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** An RFC 9110 token, as header names must be. */
export const headerName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'));
