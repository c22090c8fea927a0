/**
 * RFC 9535 JSONPath for metric paths and `$.` conditions, on json-p3: it passes every case of the official
 * compliance test suite (test/unit/probing/jsonpath-cts.test.ts runs it), where jsonpath-rfc9535 1.3.0 got some
 * wrong — `$[?@.a && @.b && @.c]` behaved like `a && (b || c)`. Measurements in bench/jsonpath.ts.
 */
import { JSONPathEnvironment, JSONPathError, type JSONPathQuery, JSONPathRecursionLimitError } from 'json-p3';

/**
 * How deep `$..` descends (json-p3's default is 50). Each level is a few stack frames, far below Node's stack; a
 * document nested deeper than this fails the metric with a clear reason instead of overflowing the stack.
 */
export const JSONPATH_MAX_DEPTH = 256;

const environment = new JSONPathEnvironment({ strict: true, maxRecursionDepth: JSONPATH_MAX_DEPTH });

// Paths come from the validated config: compile each once per process, not once per probe.
const compiledPaths = new Map<string, JSONPathQuery>();

function compiled(path: string): JSONPathQuery {
  let query = compiledPaths.get(path);
  if (query === undefined) {
    query = environment.compile(path);
    compiledPaths.set(path, query);
  }
  return query;
}

/** Returns an error message when `path` is not RFC 9535 JSONPath, undefined when it is. */
export function jsonPathError(path: string): string | undefined {
  try {
    compiled(path);
    return undefined;
  } catch (error) {
    if (!(error instanceof JSONPathError)) throw error;
    return `"${path}" is not a valid JSONPath (RFC 9535): ${error.message}`;
  }
}

/** A document `$..` cannot descend fully (nested deeper than JSONPATH_MAX_DEPTH). */
export class JsonPathDepthError extends Error {
  override name = 'JsonPathDepthError';
}

/** All values `path` selects in `document` (RFC 9535 semantics, so "$..x" and filters work), in document order. */
export function selectAll(document: unknown, path: string): unknown[] {
  try {
    // json-p3's JSONValue is structurally what JSON.parse returns.
    return compiled(path)
      .query(document as Parameters<JSONPathQuery['query']>[0])
      .values();
  } catch (error) {
    if (!(error instanceof JSONPathRecursionLimitError)) throw error;
    throw new JsonPathDepthError(`${path}: the document nests deeper than ${JSONPATH_MAX_DEPTH} levels`);
  }
}
