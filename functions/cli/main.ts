/** `vigil` command line: dispatch to a command, map errors to the exit-code convention (0 ok, 1 failure, 2 usage/config). */
import { VERSION } from '../version';
import { type Command, EXIT, type ExitCode, type Io, redactingIo, UsageError, write } from './args';
import { config } from './commands/config';
import { dev } from './commands/dev';
import { infra } from './commands/infra';
import { notify } from './commands/notify';
import { probe } from './commands/probe';
import { replay } from './commands/replay';
import { rules } from './commands/rules';
import { silence } from './commands/silence';
import { status } from './commands/status';
import { validate } from './commands/validate';
import { webhook } from './commands/webhook';

export const COMMANDS: readonly Command[] = [
  probe,
  validate,
  rules,
  config,
  webhook,
  notify,
  replay,
  silence,
  status,
  infra,
  dev,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `vigil ${VERSION}: probe health endpoints into CloudWatch metrics, deliver alerts to every chat tool.

Usage: vigil <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run \`vigil <command> --help\` for a command's options.`;
}

export async function main(argv: string[], raw: Io): Promise<ExitCode> {
  // Every byte any command prints passes the same redaction as the logs.
  const io = redactingIo(raw);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    write(name === undefined ? io.stderr : io.stdout, usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    // The Node version too: vigil pins Node 24 (the node@24 devDependency), and this shows it took effect.
    write(io.stdout, `${VERSION} (node ${process.version})`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    write(io.stderr, `vigil: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    write(io.stdout, command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      write(io.stderr, `vigil ${command.name}: ${error.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    write(io.stderr, `vigil ${command.name}: ${message}`);
    return EXIT.failure;
  }
}
