import { configJsonSchema } from '../../config/schema';
import { type Command, EXIT, parse, UsageError, write } from '../args';

export const config: Command = {
  name: 'config',
  summary: 'config helpers: `vigil config schema` prints the JSON Schema of vigil.yml',
  usage: `Usage: vigil config schema

Prints the JSON Schema of vigil.yml, for editor completion. The repo keeps a copy in vigil.schema.json
(regenerate with npm run schema); point your editor at it with a first line of:
  # yaml-language-server: $schema=./vigil.schema.json`,
  async run(argv, io) {
    const { positionals } = parse(argv, {}, true);
    if (positionals[0] !== 'schema' || positionals.length > 1)
      throw new UsageError('expected: vigil config schema');
    write(io.stdout, JSON.stringify(configJsonSchema(), null, 2));
    return EXIT.ok;
  },
};
