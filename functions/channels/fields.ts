/**
 * Config building blocks shared by the channel schemas. A webhook URL is a credential: validation messages never
 * echo it.
 */
import { z } from 'zod';
import { PLACEHOLDER_RE, placeholderError } from '../config/secrets';

/** A string that may contain ${env:NAME} / ${ssm:/path} placeholders (syntax checked here, resolved at send time). */
export const secretString = z
  .string()
  .min(1, 'must not be empty')
  .superRefine((value, ctx) => {
    const error = placeholderError(value);
    if (error) ctx.addIssue({ code: 'custom', message: error });
  });

/** An http(s) URL, or a placeholder that resolves to one (checked again after resolution). */
export const webhookUrl = secretString.superRefine((value, ctx) => {
  if (PLACEHOLDER_RE.test(value)) return;
  if (!isHttpUrl(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'not an http(s) URL (value not shown: webhook URLs are credentials)',
    });
  }
});

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** An RFC 9110 token, as header names must be. */
export const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name');
