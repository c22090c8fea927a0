/**
 * vigil.yml → the CloudFormation resources serverless.yml includes (through infra/serverless.cjs): alarms (per
 * target and on vigil itself), the alerts and meta topics, the dead-letter queue, dashboards, per-function IAM
 * roles and, when asked, the EventBridge rule that forwards the account's other alarms to the webhook. Pure:
 * `vigil infra render` prints exactly this.
 */
import {
  type AlarmDefinition,
  alarmDefinitions,
  DEFAULT_SERVICE,
  dashboardUrl,
} from '../functions/alarms/definitions';
import { deploymentNames, healthAlarmDefinitions } from '../functions/alarms/health';
import type { VigilConfig } from '../functions/config/schema';
import { STATE_PREFIX } from '../functions/probing/state';
import { probeTimeoutSeconds } from '../functions/probing/timing';
import { ALERT_STATE_TABLE_KEYS, ALERT_STATE_TTL_ATTRIBUTE } from '../functions/state/dynamodb';
import { ALERTS_TOPIC_ID, alarmLogicalId, alarmResource, META_TOPIC_ID } from './alarms';
import { arn, type CfnOutput, type CfnResource, getAtt, type Json, join, ref, type Template } from './cfn';
import { dashboardResources, planDashboards } from './dashboard';
import { fanoutResources, shardQueueUrl } from './fanout';
import {
  ALERT_STATE_TABLE_ID,
  DEAD_LETTER_QUEUE_ID,
  META_ROLE_ID,
  metaRole,
  PROBE_ROLE_ID,
  PROBE_SCHEDULER_ROLE_ID,
  probeRole,
  probeSchedulerRole,
  STATE_BUCKET_ID,
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
/**
 * Objects of the state bucket not rewritten for this long are deleted: a probe writes its shard every round, so
 * only the state of a removed shard (or of a stopped probe) ever gets this old, and a week-old rate history is
 * useless anyway (the longest window is far shorter).
 */
export const STATE_EXPIRY_DAYS = 7;

const ALERTS_TOPIC_POLICY_ID = 'VigilAlertsTopicPolicy';
const META_TOPIC_POLICY_ID = 'VigilMetaTopicPolicy';
export const STATE_BUCKET_POLICY_ID = 'VigilStateBucketPolicy';
const ACCOUNT_ALARMS_RULE_ID = 'VigilAccountAlarmsRule';
const ACCOUNT_ALARMS_PERMISSION_ID = 'VigilAccountAlarmsPermission';

/** The per-target alarms; they and the dashboards agree on which dashboard shows which target. */
export function definitionsFor(config: VigilConfig, options: InfraOptions): AlarmDefinition[] {
  const plan = planDashboards(config, options);
  return alarmDefinitions(config, { ...options, dashboardOf: (target) => plan.dashboardOf(target) });
}

/** Every alarm the deployment creates: per target, then on vigil itself. */
export function allDefinitions(config: VigilConfig, options: InfraOptions): AlarmDefinition[] {
  return [...definitionsFor(config, options), ...healthAlarmDefinitions(config, options)];
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

/** SNS topic that CloudWatch may publish to for this stage's alarms only. */
function alarmTopic(topicId: string, policyId: string, name: string, display: string, prefix: string) {
  return {
    [topicId]: {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: name, DisplayName: display },
    },
    // CloudWatch may publish alarm notifications for this stage's alarms, and nothing else may use the policy.
    [policyId]: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [ref(topicId)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudWatchAlarms',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: ref(topicId),
              Condition: {
                ArnLike: { 'aws:SourceArn': arn('cloudwatch', `alarm:${prefix}-*`) },
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
              },
            },
          ],
        },
      },
    },
  } satisfies Record<string, CfnResource>;
}

export function resources(config: VigilConfig, options: InfraOptions): Template {
  const service = options.service ?? DEFAULT_SERVICE;
  const prefix = `${service}-${options.stage}`;
  const names = deploymentNames(options);
  const definitions = definitionsFor(config, options);
  // alarms.mode self: the probe evaluates the per-target alarms itself (functions/alarms/self/); none in CloudWatch.
  const alarmed = config.alarms.mode === 'self' ? [] : definitions;
  const health = healthAlarmDefinitions(config, options);
  const Resources: Record<string, CfnResource> = {
    ...alarmTopic(
      ALERTS_TOPIC_ID,
      ALERTS_TOPIC_POLICY_ID,
      names.alertsTopic,
      `${service} alerts (${options.stage})`,
      prefix,
    ),
    ...alarmTopic(
      META_TOPIC_ID,
      META_TOPIC_POLICY_ID,
      names.metaTopic,
      `${service} health (${options.stage})`,
      prefix,
    ),
    [DEAD_LETTER_QUEUE_ID]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: names.deadLetterQueue,
        MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    },
    [STATE_BUCKET_ID]: stateBucket(),
    [STATE_BUCKET_POLICY_ID]: stateBucketPolicy(),
    [PROBE_ROLE_ID]: probeRole(config),
    [WEBHOOK_ROLE_ID]: webhookRole(config),
    [META_ROLE_ID]: metaRole(config),
    [PROBE_SCHEDULER_ROLE_ID]: probeSchedulerRole(),
    [ALERT_STATE_TABLE_ID]: {
      Type: 'AWS::DynamoDB::Table',
      Properties: alertStateTableProperties(alertStateTableName(options)),
    },
    [SWEEP_ROLE_ID]: sweepRole(config),
    [SWEEP_SCHEDULER_ROLE_ID]: sweepSchedulerRole(),
    ...fanoutResources(config, names.shardQueue),
  };
  for (const definition of [...alarmed, ...health])
    Resources[alarmLogicalId(definition)] = alarmResource(definition);
  if (config.dashboard.enabled && config.targets.length > 0) {
    Object.assign(Resources, dashboardResources(config, alarmed, options));
  }
  if (config.alarms.accountAlarms) Object.assign(Resources, accountAlarmsRule(prefix));

  const Outputs: Record<string, CfnOutput> = {
    VigilAlertsTopicArn: { Description: 'SNS topic vigil alarms notify', Value: ref(ALERTS_TOPIC_ID) },
    VigilMetaTopicArn: {
      Description:
        'SNS topic of the alarms on vigil itself (subscribe an e-mail here for a path with no vigil code)',
      Value: ref(META_TOPIC_ID),
    },
    VigilDeadLetterQueueUrl: { Description: 'Undeliverable notifications', Value: ref(DEAD_LETTER_QUEUE_ID) },
    VigilStateBucketName: {
      Description: 'The probe rate state (rate() history)',
      Value: ref(STATE_BUCKET_ID),
    },
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
 * The probe's rate state (functions/probing/state/): private, encrypted (SSE-S3), owner-enforced, never public,
 * unversioned (every round overwrites its shard; versions would only cost storage), old objects expired. Named by
 * CloudFormation, and kept when the stack is deleted (a non-empty bucket cannot be deleted; its objects expire).
 */
export function stateBucket(): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-stale-state',
            Status: 'Enabled',
            Prefix: STATE_PREFIX,
            ExpirationInDays: STATE_EXPIRY_DAYS,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    },
  };
}

/** Refuses any request to the state bucket that does not use TLS. */
export function stateBucketPolicy(): CfnResource {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(STATE_BUCKET_ID),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'TlsOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [getAtt(STATE_BUCKET_ID, 'Arn'), join([getAtt(STATE_BUCKET_ID, 'Arn'), '/*'])],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
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

/** What the probe function's block in serverless.yml reads: the same in the home and every location stack. */
export function probeSettings(config: VigilConfig) {
  return {
    namespace: config.namespace,
    scheduleRate: scheduleExpression(config.probe.schedule),
    probeTimeout: probeTimeoutSeconds(config.probe.schedule),
    logRetentionDays: config.logs.retentionDays,
    probeRole: PROBE_ROLE_ID,
    probeSchedulerRoleArn: getAtt(PROBE_SCHEDULER_ROLE_ID, 'Arn'),
    stateBucket: ref(STATE_BUCKET_ID),
    shardQueueUrl: shardQueueUrl(config),
    // Set by deploymentSettings in alarms.mode self (home region only: self mode refuses probe.locations).
    selfAlarmsTopicArn: '' as Json,
    selfAlarmsTable: '',
  };
}

/** Plain values serverless.yml reads besides the resources. */
export function deploymentSettings(config: VigilConfig, options: InfraOptions) {
  const self = config.alarms.mode === 'self';
  return {
    ...probeSettings(config),
    ...(self
      ? { selfAlarmsTopicArn: ref(ALERTS_TOPIC_ID), selfAlarmsTable: alertStateTableName(options) }
      : {}),
    webhookRole: WEBHOOK_ROLE_ID,
    metaRole: META_ROLE_ID,
    alertsTopicArn: ref(ALERTS_TOPIC_ID),
    metaTopicArn: ref(META_TOPIC_ID),
    // A name, not Ref(queue): `osls invoke local` can't resolve a Ref without a deployed stack, and the webhook
    // looks the URL up (sqs:GetQueueUrl) only when it has a dead letter to write.
    deadLetterQueueName: deploymentNames(options).deadLetterQueue,
    // Likewise a plain name (the table's TableName), so `osls invoke local` needs no stack.
    alertStateTableName: alertStateTableName(options),
    sweepRole: SWEEP_ROLE_ID,
    sweepSchedulerRoleArn: getAtt(SWEEP_SCHEDULER_ROLE_ID, 'Arn'),
  };
}
