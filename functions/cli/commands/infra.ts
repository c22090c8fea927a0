import {
  type CostReport,
  compareModes,
  DEFAULT_COST_OPTIONS,
  estimateCost,
  type ModeComparison,
} from '../../../infra/cost';
import { infraIssues } from '../../../infra/issues';
import { resources } from '../../../infra/resources';
import { ConfigError, configPath, formatIssue, loadConfig } from '../../config/load';
import { parseDuration } from '../../config/units';
import { CONFIG_OPTION, type Command, EXIT, type Io, JSON_OPTION, parse, UsageError, write } from '../args';
import { colourer, table } from '../format';
import { printConfigError } from './shared';

/** Same defaults as serverless.yml, so the output matches what `npm run package` includes. */
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_REGION = 'us-east-1';
/** Prices are us-east-1's (infra/prices.ts). */
const PRICED_REGION = 'us-east-1';

export const infra: Command = {
  name: 'infra',
  summary: 'print the CloudFormation resources vigil.yml adds, or what they cost a month',
  usage: `Usage: vigil infra render [--config FILE] [--stage STAGE] [--region REGION] [--json]
       vigil infra cost [--config FILE] [--targets N] [--alerts N] [--latency D] [--cold-starts N]
                        [--series N] [--compare N,N,…] [--json]

render: prints, as JSON, the CloudFormation resources and outputs generated from the config (default ./vigil.yml,
or $VIGIL_CONFIG): alarms (per target and on vigil itself), dashboards, the alerts and meta topics, the
dead-letter queue and the IAM roles. serverless.yml includes exactly these (osls package adds the functions).

cost: the monthly bill of the config in us-east-1, line by line at AWS's list prices (infra/prices.ts, free tiers
not applied), then what each config choice costs (the bill again with that one thing changed). Quantities come
from the generated template, the shard plan and the probe's own packing; what vigil cannot know is an option:

  --targets N      price the config with N targets (its targets copied), e.g. 1000
  --alerts N       state changes delivered a month (default ${DEFAULT_COST_OPTIONS.alertsPerMonth})
  --latency D      how long a probe takes (default ${DEFAULT_COST_OPTIONS.latencyMs}ms)
  --cold-starts N  cold starts a day per warm container (default ${DEFAULT_COST_OPTIONS.coldStartsPerDay})
  --series N       series of a metric with labels, each a custom metric (default ${DEFAULT_COST_OPTIONS.labelSeries})
  --compare N,…    instead of one bill: the config's alarms three ways (CloudWatch alarms; self-evaluated;
                   self-evaluated with no per-target metrics) at each of these sizes, as a Markdown table

  --stage   serverless stage (default ${DEFAULT_STAGE}); names are vigil-<stage>-…
  --region  render: region for dashboard links (default $AWS_REGION or ${DEFAULT_REGION})
  --json    render: always JSON; cost: the lines, choices, assumptions and prices as JSON

Exit 0 on success, 2 when the arguments or the config are invalid (every problem listed with its path), or, for
render, when it cannot be deployed (cost prices it anyway and warns).`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        ...CONFIG_OPTION,
        ...JSON_OPTION,
        stage: { type: 'string' },
        region: { type: 'string' },
        targets: { type: 'string' },
        alerts: { type: 'string' },
        latency: { type: 'string' },
        'cold-starts': { type: 'string' },
        series: { type: 'string' },
        compare: { type: 'string' },
      },
      true,
    );
    const sub = positionals[0];
    if ((sub !== 'render' && sub !== 'cost') || positionals.length > 1)
      throw new UsageError('expected: vigil infra render | vigil infra cost');
    const costFlags = ['targets', 'alerts', 'latency', 'cold-starts', 'series', 'compare'] as const;
    if (sub === 'render' && costFlags.some((flag) => values[flag] !== undefined))
      throw new UsageError(
        `--${costFlags.find((flag) => values[flag] !== undefined)} is an option of vigil infra cost`,
      );
    const file = configPath(values.config, io.env);
    const stage = values.stage ?? DEFAULT_STAGE;
    const options = {
      stage,
      region: sub === 'cost' ? PRICED_REGION : (values.region ?? io.env.AWS_REGION ?? DEFAULT_REGION),
    };
    if (sub === 'cost' && values.region !== undefined && values.region !== PRICED_REGION)
      throw new UsageError(`prices are ${PRICED_REGION}'s only (infra/prices.ts)`);
    const costOptions =
      sub === 'cost'
        ? {
            ...DEFAULT_COST_OPTIONS,
            ...options,
            ...optional('targets', count(values.targets, 'targets', 1)),
            ...optional('alertsPerMonth', count(values.alerts, 'alerts', 0)),
            ...optional('latencyMs', milliseconds(values.latency)),
            ...optional('coldStartsPerDay', count(values['cold-starts'], 'cold-starts', 0)),
            ...optional('labelSeries', count(values.series, 'series', 1)),
          }
        : undefined;
    try {
      const config = loadConfig(file);
      const issues = infraIssues(config, options);
      // A bill is worth reading before the config deploys (an open intake costs the same): say what is missing.
      if (issues.length > 0 && costOptions)
        for (const issue of issues)
          write(io.stderr, `warning: ${file} cannot be deployed as is: ${formatIssue(issue)}`);
      else if (issues.length > 0) throw new ConfigError(file, issues);
      if (!costOptions) {
        write(io.stdout, JSON.stringify(resources(config, options), null, 2));
        return EXIT.ok;
      }
      if (config.targets.length === 0 && costOptions.targets !== undefined)
        throw new UsageError("--targets copies the config's targets, and it has none");
      if (values.compare !== undefined) {
        if (values.targets !== undefined)
          throw new UsageError('--compare sets the sizes: leave --targets out');
        const sizes = values.compare.split(',').map((each) => count(each.trim(), 'compare', 1) as number);
        const rows = compareModes(config, costOptions, sizes);
        write(io.stdout, values.json ? JSON.stringify(comparisonJson(rows), null, 2) : comparisonTable(rows));
        return EXIT.ok;
      }
      const report = estimateCost(config, costOptions);
      write(io.stdout, values.json ? JSON.stringify(report, null, 2) : renderCost(report, io));
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ConfigError) return printConfigError(error, io);
      throw error;
    }
  },
};

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function count(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`--${flag} "${text}": a whole number of at least ${min}`);
  return value;
}

function milliseconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--latency "${text}": a duration such as 250ms or 1s`);
  return ms;
}

export function usd(value: number): string {
  const abs = Math.abs(value);
  const text = abs >= 100 ? abs.toFixed(0) : abs >= 0.01 || abs === 0 ? abs.toFixed(2) : '<0.01';
  return `${value < 0 ? '−' : ''}$${text.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

function renderCost(report: CostReport, io: Io): string {
  const paint = colourer(io.stdout, io.env);
  const lines = table(
    ['service', 'item', 'per month', 'how'],
    report.lines.map((line) => [line.service, line.item, usd(line.usd), line.how]),
    160,
  );
  const choices = table(
    ['if', 'per month', 'change'],
    report.choices.map((choice) => [
      choice.change,
      usd(choice.usd),
      choice.delta === choice.usd ? '' : `${choice.delta > 0 ? '+' : ''}${usd(choice.delta)}`,
    ]),
    100,
  );
  const a = report.assumptions;
  return `${paint('bold', `vigil infra cost: ${report.targets} targets, ${report.shards} shard${report.shards === 1 ? '' : 's'}, ${report.locations} location${report.locations === 1 ? '' : 's'}, alarms.mode ${report.mode} (us-east-1 list prices, a 30-day month)`)}

${lines}

${paint('bold', `total ${usd(report.usd)} a month`)} (compute and requests ${usd(report.computeUsd)})

What each choice costs:
${choices}

Assumed: ${a.alertsPerMonth} state changes a month (--alerts), probes of ${a.latencyMs} ms (--latency), ${a.coldStartsPerDay} cold starts a day per container (--cold-starts), ${a.labelSeries} series per metric with labels (--series).
Not applied: the free tiers (${report.freeTiers}).`;
}

function comparisonJson(rows: readonly ModeComparison[]) {
  return rows.map((row) => ({
    targets: row.targets,
    cloudwatch: { usd: row.cloudwatch.usd, computeUsd: row.cloudwatch.computeUsd },
    self: { usd: row.self.usd, computeUsd: row.self.computeUsd },
    lean: { usd: row.lean.usd, computeUsd: row.lean.computeUsd },
  }));
}

/** A Markdown table (the README quotes it): the three ways, size by size. */
export function comparisonTable(rows: readonly ModeComparison[]): string {
  const header =
    '| targets | CloudWatch alarms | self-evaluated | self-evaluated, no per-target metrics | of which compute and requests |\n| --: | --: | --: | --: | --: |';
  const body = rows.map(
    (row) =>
      `| ${row.targets.toLocaleString('en-US')} | ${usd(row.cloudwatch.usd)} | ${usd(row.self.usd)} | ${usd(row.lean.usd)} | ${usd(row.cloudwatch.computeUsd)} / ${usd(row.self.computeUsd)} / ${usd(row.lean.computeUsd)} |`,
  );
  return [header, ...body].join('\n');
}
