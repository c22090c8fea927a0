/**
 * vigil.yml → the CloudFormation resources serverless.yml includes (through infra/serverless.cjs): alarms, the
 * alerts topic, the dead-letter queue, dashboards, per-function IAM roles and, when asked, the EventBridge rule that
 * forwards the account's other alarms to the webhook. Pure: `vigil infra render` prints exactly this.
 */
import {
  type AlarmDefinition,
  alarmDefinitions,
  DEFAULT_SERVICE,
  dashboardUrl,
} from '../functions/alarms/definitions';
import type { VigilConfig } from '../functions/config/schema';
import { ALERT_STATE_TABLE_KEYS, ALERT_STATE_TTL_ATTRIBUTE } from '../functions/state/dynamodb';
import { ALERTS_TOPIC_ID, alarmLogicalId, alarmResource } from './alarms';
import { arn, type CfnOutput, type CfnResource, getAtt, ref, type Template } from './cfn';
import { dashboardResources, planDashboards } from './dashboard';
import {
  ALERT_STATE_TABLE_ID,
  DEAD_LETTER_QUEUE_ID,
  PROBE_ROLE_ID,
  PROBE_SCHEDULER_ROLE_ID,
  probeRole,
  probeSchedulerRole,
  SWEEP_ROLE_ID,
  SWEEP_SCHEDULER_ROLE_ID,
  sweepRole,
  sweepSchedulerRole,
  WEBHOOK_FUNCTION_ID,
  WEBHOOK_ROLE_ID,
  webhookRole,
} from './iam';
import { scheduleExpression } from './schedule';

export interface InfraOptions {
  stage: string;
  region: string;
  /** The serverless service name, prefix of every name (default vigil). */
  service?: string;
}

/** SQS keeps messages at most 14 days; dead letters wait for a human, so keep them that long. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;
/** Lambda's maximum timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** The probe must finish before the next scheduled round starts; leave this much slack. */
export const PROBE_TIMEOUT_SLACK_SECONDS = 5;

const ALERTS_TOPIC_POLICY_ID = 'VigilAlertsTopicPolicy';
const ACCOUNT_ALARMS_RULE_ID = 'VigilAccountAlarmsRule';
const ACCOUNT_ALARMS_PERMISSION_ID = 'VigilAccountAlarmsPermission';

/** Alarm definitions and dashboards agree on which dashboard shows which target. */
export function definitionsFor(config: VigilConfig, options: InfraOptions): AlarmDefinition[] {
  const plan = planDashboards(config, options);
  return alarmDefinitions(config, { ...options, dashboardOf: (target) => plan.dashboardOf(target) });
}

/** The alert state table's name (functions/state/dynamodb.ts), passed to the webhook as VIGIL_ALERT_STATE_TABLE. */
export function alertStateTableName(options: InfraOptions): string {
  return `${options.service ?? DEFAULT_SERVICE}-${options.stage}-alert-state`;
}

/**
 * The alert state table: on demand (alerting traffic is bursty and tiny), `pk`/`sk` strings, expired records
 * removed by DynamoDB's TTL on `ttl`. Shared with the tests, which create the same table in dynalite.
 */
export function alertStateTableProperties(name: string) {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: ALERT_STATE_TABLE_KEYS.partition, AttributeType: 'S' },
      { AttributeName: ALERT_STATE_TABLE_KEYS.key, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: ALERT_STATE_TABLE_KEYS.partition, KeyType: 'HASH' },
      { AttributeName: ALERT_STATE_TABLE_KEYS.key, KeyType: 'RANGE' },
    ],
    TimeToLiveSpecification: { AttributeName: ALERT_STATE_TTL_ATTRIBUTE, Enabled: true },
  };
}

/** The dead-letter queue's name: a plain string the webhook gets at package time (see deploymentSettings). */
export function deadLetterQueueName(options: InfraOptions): string {
  return `${options.service ?? DEFAULT_SERVICE}-${options.stage}-dead-letters`;
}

export function resources(config: VigilConfig, options: InfraOptions): Template {
  const service = options.service ?? DEFAULT_SERVICE;
  const prefix = `${service}-${options.stage}`;
  const definitions = definitionsFor(config, options);
  const Resources: Record<string, CfnResource> = {
    [ALERTS_TOPIC_ID]: {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: `${prefix}-alerts`, DisplayName: `${service} alerts (${options.stage})` },
    },
    // CloudWatch may publish alarm notifications for this stage's alarms, and nothing else may use the policy.
    [ALERTS_TOPIC_POLICY_ID]: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [ref(ALERTS_TOPIC_ID)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudWatchAlarms',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: ref(ALERTS_TOPIC_ID),
              Condition: {
                ArnLike: { 'aws:SourceArn': arn('cloudwatch', `alarm:${prefix}-*`) },
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
              },
            },
          ],
        },
      },
    },
    [DEAD_LETTER_QUEUE_ID]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: deadLetterQueueName(options),
        MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    },
    [PROBE_ROLE_ID]: probeRole(config),
    [WEBHOOK_ROLE_ID]: webhookRole(config),
    [PROBE_SCHEDULER_ROLE_ID]: probeSchedulerRole(),
    [ALERT_STATE_TABLE_ID]: {
      Type: 'AWS::DynamoDB::Table',
      Properties: alertStateTableProperties(alertStateTableName(options)),
    },
    [SWEEP_ROLE_ID]: sweepRole(config),
    [SWEEP_SCHEDULER_ROLE_ID]: sweepSchedulerRole(),
  };
  for (const definition of definitions) Resources[alarmLogicalId(definition)] = alarmResource(definition);
  if (config.dashboard.enabled && config.targets.length > 0) {
    Object.assign(Resources, dashboardResources(config, definitions, options));
  }
  if (config.alarms.accountAlarms) Object.assign(Resources, accountAlarmsRule(prefix));

  const Outputs: Record<string, CfnOutput> = {
    VigilAlertsTopicArn: { Description: 'SNS topic vigil alarms notify', Value: ref(ALERTS_TOPIC_ID) },
    VigilDeadLetterQueueUrl: { Description: 'Undeliverable notifications', Value: ref(DEAD_LETTER_QUEUE_ID) },
    VigilAlertStateTable: {
      Description: 'Alert state (dedup, reminders, rate budgets)',
      Value: ref(ALERT_STATE_TABLE_ID),
    },
  };
  if (config.dashboard.enabled && config.targets.length > 0) {
    const first = planDashboards(config, options).dashboards[0];
    if (first)
      Outputs.VigilDashboardUrl = {
        Description: 'vigil dashboard',
        Value: dashboardUrl(options.region, first.name),
      };
  }
  return { Resources, Outputs };
}

/**
 * "CloudWatch Alarm State Change" events of the account's other alarms → the webhook. vigil's own alarms are left
 * out: they already arrive through the alerts topic, and twice would mean two notifications.
 */
function accountAlarmsRule(prefix: string): Record<string, CfnResource> {
  return {
    [ACCOUNT_ALARMS_RULE_ID]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `${prefix}: other CloudWatch alarms to the vigil webhook`,
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          detail: { alarmName: [{ 'anything-but': { prefix: `${prefix}-` } }] },
        },
        Targets: [{ Id: 'vigil-webhook', Arn: getAtt(WEBHOOK_FUNCTION_ID, 'Arn') }],
      },
    },
    [ACCOUNT_ALARMS_PERMISSION_ID]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(WEBHOOK_FUNCTION_ID, 'Arn'),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(ACCOUNT_ALARMS_RULE_ID, 'Arn'),
      },
    },
  };
}

/** Plain values serverless.yml reads besides the resources. */
export function deploymentSettings(config: VigilConfig, options: InfraOptions) {
  const scheduleSeconds = config.probe.schedule / 1000;
  return {
    namespace: config.namespace,
    scheduleRate: scheduleExpression(config.probe.schedule),
    probeTimeout: Math.min(
      LAMBDA_MAX_TIMEOUT_SECONDS,
      Math.max(1, Math.floor(scheduleSeconds) - PROBE_TIMEOUT_SLACK_SECONDS),
    ),
    logRetentionDays: config.logs.retentionDays,
    probeRole: PROBE_ROLE_ID,
    webhookRole: WEBHOOK_ROLE_ID,
    probeSchedulerRoleArn: getAtt(PROBE_SCHEDULER_ROLE_ID, 'Arn'),
    alertsTopicArn: ref(ALERTS_TOPIC_ID),
    // A name, not Ref(queue): `osls invoke local` can't resolve a Ref without a deployed stack, and the webhook
    // looks the URL up (sqs:GetQueueUrl) only when it has a dead letter to write.
    deadLetterQueueName: deadLetterQueueName(options),
    // Likewise a plain name (the table's TableName), so `osls invoke local` needs no stack.
    alertStateTableName: alertStateTableName(options),
    sweepRole: SWEEP_ROLE_ID,
    sweepSchedulerRoleArn: getAtt(SWEEP_SCHEDULER_ROLE_ID, 'Arn'),
  };
}
