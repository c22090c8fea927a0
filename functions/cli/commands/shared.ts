import { ConfigError, configPath, formatIssue, loadConfig } from '../../config/load';
import type { VigilConfig } from '../../config/schema';
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

/** Loads the command's config (--config, $VIGIL_CONFIG, ./vigil.yml); a bad one is printed in full and becomes exit 2. */
export function loadCommandConfig(explicit: string | undefined, io: Io): VigilConfig | ExitCode {
  try {
    return loadConfig(configPath(explicit, io.env));
  } catch (error) {
    if (error instanceof ConfigError) return printConfigError(error, io);
    throw error;
  }
}
