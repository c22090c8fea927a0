/** Every problem with a PromQL expression, at parse time or while evaluating it. */
export class PromqlError extends Error {
  override name = 'PromqlError';
  /** 0-based offset (UTF-16 code units) in the expression where the problem is. */
  readonly position: number;
  /** The reason alone, without the position prefix. */
  readonly reason: string;
  /** Set when the expression is valid PromQL that vigil does not evaluate: the name of that construct. */
  readonly unsupported?: string;

  constructor(position: number, reason: string, unsupported?: string) {
    super(`position ${position}: ${reason}`);
    this.position = position;
    this.reason = reason;
    if (unsupported !== undefined) this.unsupported = unsupported;
  }
}
