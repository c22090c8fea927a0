import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { collectStatus } from '../../status/collect';
import { renderStatus } from '../../status/render';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, write } from '../args';
import { colourer } from '../format';
import { DEFAULT_REGION, DEFAULT_STAGE } from './infra';
import { loadCommandConfig } from './shared';

export const status: Command = {
  name: 'status',
  summary:
    'what a deployed stack says now: firing alarms, targets per location, failed notifications, dead letters',
  usage: `Usage: vigil status [--config FILE] [--stage STAGE] [--region REGION] [--json]

Reads the deployed stack through the AWS SDK's standard configuration (credentials, AWS_PROFILE,
AWS_ENDPOINT_URL_*): the alarms named vigil-<stage>-* (DescribeAlarms) and which of them are firing, each target's
last ProbeSuccess and ProbeDuration per location (GetMetricData, one probe period), notifications that failed in
the last hour (NotificationsFailed) and the dead letters waiting in vigil-<stage>-dead-letters (SQS).

  --stage   serverless stage (default ${DEFAULT_STAGE})
  --region  where the alarms are (default: probe.locations[0], else $AWS_REGION, else ${DEFAULT_REGION})
  --json    one JSON object instead of tables

Exit 0 when nothing is firing, 1 when an alarm is firing or part of the stack could not be read (as
\`amtool alert query\` does, usable in scripts), 2 on a bad config or usage.`,
  async run(argv, io) {
    const { values } = parse(argv, {
      ...CONFIG_OPTION,
      ...JSON_OPTION,
      stage: { type: 'string' },
      region: { type: 'string' },
    });
    const config = loadCommandConfig(values.config, io);
    if (typeof config === 'number') return config;
    const region = values.region ?? config.probe.locations?.[0] ?? io.env.AWS_REGION ?? DEFAULT_REGION;
    const progress = io.stderr.isTTY === true;
    const result = await collectStatus(
      config,
      { cloudwatch: new CloudWatchClient({ region }), sqs: new SQSClient({ region }) },
      {
        stage: values.stage ?? DEFAULT_STAGE,
        region,
        ...(progress ? { onProgress: (text: string) => io.stderr.write(`\r\u001b[2K${text}`) } : {}),
      },
    );
    if (progress) io.stderr.write('\r\u001b[2K');
    if (values.json) write(io.stdout, JSON.stringify(result, null, 2));
    else write(io.stdout, renderStatus(result, colourer(io.stdout, io.env)));
    return result.alarms.firing.length > 0 || result.problems.length > 0 ? EXIT.failure : EXIT.ok;
  },
};
