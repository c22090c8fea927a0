/** `expect.status`: a code (200), a class ("2xx"), a range ("200-299"), or a list of those. */
export type StatusPattern = number | string;

export function statusMatches(status: number, expected: StatusPattern | readonly StatusPattern[]): boolean {
  const patterns = Array.isArray(expected) ? expected : [expected as StatusPattern];
  return patterns.some((pattern) => matchesOne(status, pattern));
}

function matchesOne(status: number, pattern: StatusPattern): boolean {
  if (typeof pattern === 'number') return status === pattern;
  if (/^[1-5]xx$/.test(pattern)) return Math.floor(status / 100) === Number(pattern[0]);
  const range = /^(\d{3})-(\d{3})$/.exec(pattern);
  if (range) return status >= Number(range[1]) && status <= Number(range[2]);
  return status === Number(pattern);
}

export function describeStatus(expected: StatusPattern | readonly StatusPattern[]): string {
  return Array.isArray(expected) ? expected.join(', ') : String(expected);
}
