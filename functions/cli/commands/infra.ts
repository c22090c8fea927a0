import { infraIssues } from '../../../infra/issues';
import { resources } from '../../../infra/resources';
import { ConfigError, configPath, loadConfig } from '../../config/load';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, UsageError, write } from '../args';
import { printConfigError } from './shared';

/** Same defaults as serverless.yml, so the output matches what `npm run package` includes. */
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_REGION = 'us-east-1';

export const infra: Command = {
  name: 'infra',
  summary: 'print the CloudFormation resources vigil.yml adds to serverless.yml',
  usage: `Usage: vigil infra render [--config FILE] [--stage STAGE] [--region REGION] [--json]

Prints, as JSON, the CloudFormation resources and outputs generated from the config (default ./vigil.yml, or
$VIGIL_CONFIG): alarms (per target and on vigil itself), dashboards, the alerts and meta topics, the
dead-letter queue and the IAM roles. serverless.yml includes exactly these (osls package adds the functions
around them).

  --stage   serverless stage (default ${DEFAULT_STAGE}); names are vigil-<stage>-…
  --region  region for dashboard links (default $AWS_REGION or ${DEFAULT_REGION})
  --json    accepted for symmetry with other commands: the output is always JSON

Exit 0 on success, 2 when the config is invalid or cannot be deployed (every problem listed with its path).`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { ...CONFIG_OPTION, ...JSON_OPTION, stage: { type: 'string' }, region: { type: 'string' } },
      true,
    );
    if (positionals[0] !== 'render' || positionals.length > 1)
      throw new UsageError('expected: vigil infra render');
    const file = configPath(values.config, io.env);
    const options = {
      stage: values.stage ?? DEFAULT_STAGE,
      region: values.region ?? io.env.AWS_REGION ?? DEFAULT_REGION,
    };
    try {
      const config = loadConfig(file);
      const issues = infraIssues(config, options);
      if (issues.length > 0) throw new ConfigError(file, issues);
      write(io.stdout, JSON.stringify(resources(config, options), null, 2));
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ConfigError) return printConfigError(error, io);
      throw error;
    }
  },
};
