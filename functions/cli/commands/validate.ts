import { deployWarnings, infraIssues } from '../../../infra/issues';
import { ConfigError, configPath, formatIssue, loadConfig } from '../../config/load';
import { routingWarnings } from '../../routing/routes';
import { publishedMetrics } from '../../rules/metrics';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, write } from '../args';
import { colourer } from '../format';
import { DEFAULT_REGION, DEFAULT_STAGE } from './infra';

export const validate: Command = {
  name: 'validate',
  summary: 'check vigil.yml and list every problem',
  usage: `Usage: vigil validate [--config FILE] [--json]

Validates the config (default ./vigil.yml, or $VIGIL_CONFIG) and lists every problem with its path,
including what would stop a deployment (alarm names and evaluation ranges, dashboard and template limits, an
intake with neither token nor hmacSecret unless webhook.public is true), and warns about what a deployment
allows but probably does not mean (targets on loopback or link-local addresses).
Exit 0 when valid (warnings or not), 2 when not.`,
  async run(argv, io) {
    const { values } = parse(argv, { ...CONFIG_OPTION, ...JSON_OPTION });
    const file = configPath(values.config, io.env);
    const paint = colourer(io.stdout, io.env);
    try {
      const config = loadConfig(file);
      // Deployment checks too (alarm names and ranges, dashboard and template limits), so one command says
      // whether `npm run package` will work.
      const deployIssues = infraIssues(config, {
        stage: DEFAULT_STAGE,
        region: io.env.AWS_REGION ?? DEFAULT_REGION,
      });
      if (deployIssues.length > 0) throw new ConfigError(file, deployIssues);
      const warnings = [
        ...deployWarnings(config),
        ...routingWarnings(config.routes, config.alerts.fallback).map((text) => ({
          path: 'routes',
          message: text.replace(/^routes: /, ''),
        })),
      ];
      const summary = {
        valid: true,
        file,
        targets: config.targets.length,
        metrics: config.targets.reduce((sum, target) => sum + publishedMetrics(target).length, 0),
        channels: Object.keys(config.channels).length,
        routes: config.routes.length,
        warnings,
      };
      if (values.json) write(io.stdout, JSON.stringify(summary, null, 2));
      else {
        for (const warning of warnings) write(io.stderr, paint('yellow', `warning: ${formatIssue(warning)}`));
        write(
          io.stdout,
          `${paint('green', '✓')} ${file} is valid: ${summary.targets} targets, ${summary.metrics} metrics, ${summary.channels} channels, ${summary.routes} routes`,
        );
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (values.json)
        write(io.stdout, JSON.stringify({ valid: false, file, issues: error.issues }, null, 2));
      else {
        write(
          io.stderr,
          `${paint('red', '✗')} ${file}: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}`,
        );
        for (const issue of error.issues) write(io.stderr, `  - ${formatIssue(issue)}`);
      }
      return EXIT.usage;
    }
  },
};
