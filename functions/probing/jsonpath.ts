import { query } from 'jsonpath-rfc9535';
import parseJsonPath from 'jsonpath-rfc9535/parser';

/** Returns an error message when `path` is not RFC 9535 JSONPath, undefined when it is. */
export function jsonPathError(path: string): string | undefined {
  try {
    parseJsonPath(path);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `"${path}" is not a valid JSONPath (RFC 9535): ${message}`;
  }
}

/** All values `path` selects in `document` (RFC 9535 semantics, so "$..x" and filters work). */
export function selectAll(document: unknown, path: string): unknown[] {
  // The library's JsonValue type is structurally what JSON.parse returns.
  return query(document as Parameters<typeof query>[0], path);
}
