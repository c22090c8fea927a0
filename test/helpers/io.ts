/** Captured stdout/stderr for driving the CLI's main() in-process. */
import { PassThrough } from 'node:stream';
import type { Io } from '../../functions/cli/args';

export interface CapturedIo {
  io: Io;
  /** Same object as `io`, for call sites that read better as `main(argv, streams)`. */
  streams: Io;
  out(): string;
  err(): string;
  /** stdout and stderr interleaved in arrival order. */
  text(): string;
}

export function captureIo(env: NodeJS.ProcessEnv = process.env): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  let text = '';
  stdout.on('data', (chunk) => {
    out += chunk;
    text += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
    text += chunk;
  });
  const io = { stdout, stderr, env };
  return { io, streams: io, out: () => out, err: () => err, text: () => text };
}
