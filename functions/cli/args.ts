/** Shared CLI plumbing: argument parsing with per-command help, and the exit-code convention. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { redact } from '../logging/redact';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad flags or arguments: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<ExitCode>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const satisfies Options;
export const JSON_OPTION = { json: { type: 'boolean' } } as const satisfies Options;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;

/** parseArgs with --help built in; unknown flags and stray positionals are usage errors. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, ...HELP_OPTION }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The CLI's streams with every write passed through `redact`, as log lines are: a resolved secret that ends up in
 * a probe detail, an error or a rendered notification never reaches the terminal, a pipe or a JSON file. Applied
 * once in `main`, so no command can forget it. Everything else (isTTY, columns, events) is the stream's own.
 */
export function redactingIo(io: Io): Io {
  return { ...io, stdout: redactingStream(io.stdout), stderr: redactingStream(io.stderr) };
}

function redactingStream<S extends NodeJS.WritableStream>(stream: S): S {
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(
            typeof chunk === 'string'
              ? redact(chunk)
              : chunk instanceof Uint8Array
                ? redact(Buffer.from(chunk).toString('utf8'))
                : chunk,
            ...rest,
          );
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
