import { type ConfigError, formatIssue } from '../../config/load';
import { EXIT, type ExitCode, type Io, write } from '../args';
import { colourer } from '../format';

/** Every command that loads the config reports a bad one the same way, with exit code 2. */
export function printConfigError(error: ConfigError, io: Io): ExitCode {
  const paint = colourer(io.stderr, io.env);
  write(
    io.stderr,
    `${paint('red', '✗')} ${error.file}: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}`,
  );
  for (const issue of error.issues) write(io.stderr, `  - ${formatIssue(issue)}`);
  write(io.stderr, 'Fix them and run `vigil validate` again.');
  return EXIT.usage;
}
