/**
 * The fan-out in the generated template: nothing for a config that fits one invocation; for a sharded one the
 * shard queue, the event source mapping with MaximumConcurrency, the probe's SQS permissions on that queue only,
 * the queue URL in its environment, and the "probe shards missing" alarm; all valid against the CloudFormation
 * specification.
 */
import { healthAlarmDefinitions } from '../../../functions/alarms/health';
import { planShards } from '../../../functions/probing/fanout/shards';
import { SHARD_MESSAGE_RETENTION_SECONDS, SHARD_QUEUE_ID } from '../../../infra/fanout';
import { PROBE_ROLE_ID } from '../../../infra/iam';
import { deploymentSettings, resources } from '../../../infra/resources';
import { validateTemplate } from '../../../infra/validate-template';
import { jsonTargets, OPTIONS, OSLS_OWNED_REFERENCE, ofType } from './helpers';

describe('fan-out resources', () => {
  it('adds nothing when the config fits one invocation', () => {
    const config = jsonTargets(20);
    const template = resources(config, OPTIONS);
    expect(ofType(template.Resources, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    expect(template.Resources[SHARD_QUEUE_ID]).toBeUndefined();
    expect(deploymentSettings(config, OPTIONS).shardQueueUrl).toBe('');
    expect(healthAlarmDefinitions(config, OPTIONS).map((alarm) => alarm.name)).not.toContain(
      'vigil-dev-probe-shards-warning',
    );
  });

  describe('for a sharded config', () => {
    const config = jsonTargets(20, '[]', 'probe: { shardSize: 5 }');
    const shards = planShards(config).shards.length;
    const template = resources(config, OPTIONS);

    it('passes the CloudFormation specification (references into osls resources aside: the packaged test has them)', () => {
      const outside = OSLS_OWNED_REFERENCE;
      expect(validateTemplate(template).filter((problem) => !outside.test(problem.message))).toEqual([]);
    });

    it('has a shard queue whose messages expire with their round, visible no sooner than the function can end', () => {
      expect(template.Resources[SHARD_QUEUE_ID]).toEqual({
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'vigil-dev-shards',
          VisibilityTimeout: 60,
          MessageRetentionPeriod: SHARD_MESSAGE_RETENTION_SECONDS,
          SqsManagedSseEnabled: true,
        },
      });
      expect(deploymentSettings(config, OPTIONS).shardQueueUrl).toEqual({ Ref: SHARD_QUEUE_ID });
    });

    it('invokes the probe once per message, every shard of a round at once and never more', () => {
      const [[, mapping] = []] = ofType(template.Resources, 'AWS::Lambda::EventSourceMapping');
      expect(mapping?.Properties).toEqual({
        EventSourceArn: { 'Fn::GetAtt': [SHARD_QUEUE_ID, 'Arn'] },
        FunctionName: { Ref: 'ProbeLambdaFunction' },
        BatchSize: 1,
        Enabled: true,
        ScalingConfig: { MaximumConcurrency: shards },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('lets the probe use that queue and no other', () => {
      const role = template.Resources[PROBE_ROLE_ID]!;
      const statements = (
        role.Properties.Policies as {
          PolicyDocument: { Statement: { Sid: string; Resource: unknown; Action: unknown }[] };
        }[]
      )[0]!.PolicyDocument.Statement;
      const sqs = statements.filter((statement) => JSON.stringify(statement.Action).includes('sqs:'));
      expect(sqs).toEqual([
        expect.objectContaining({
          Sid: 'PlanAndWorkShards',
          Resource: { 'Fn::GetAtt': [SHARD_QUEUE_ID, 'Arn'] },
        }),
      ]);
    });

    it('warns on the meta topic when fewer shards than planned report, 2 of 3 periods', () => {
      const alarm = ofType(template.Resources, 'AWS::CloudWatch::Alarm').find(
        ([, resource]) => resource.Properties.AlarmName === 'vigil-dev-probe-shards-warning',
      )?.[1];
      expect(alarm?.Properties).toMatchObject({
        MetricName: 'ProbeHeartbeat',
        Statistic: 'Sum',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: shards,
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'VigilMetaTopic' }],
      });
    });
  });
});
