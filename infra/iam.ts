/**
 * Least-privilege IAM: one role per function plus one for the probe's schedule, each allowed exactly what its
 * code does. Nothing is granted on `*` except PutMetricData, which has no resource ARN and is held to vigil's
 * namespace by the `cloudwatch:namespace` condition key.
 */

import type { VigilConfig } from '../functions/config/schema';
import { PLACEHOLDER_RE, referencedSsmParameters } from '../functions/config/secrets';
import { STATE_PREFIX } from '../functions/probing/state';
import { ALERTS_TOPIC_ID } from './alarms';
import { ACCOUNT_ID, arn, type CfnResource, getAtt, type Json, join, REGION, ref } from './cfn';
import { fanoutStatements } from './fanout';

// Logical IDs osls gives the functions and their log groups (naming.getLambdaLogicalId / getLogGroupLogicalId).
export const PROBE_FUNCTION_ID = 'ProbeLambdaFunction';
export const WEBHOOK_FUNCTION_ID = 'WebhookLambdaFunction';
export const PROBE_LOG_GROUP_ID = 'ProbeLogGroup';
export const WEBHOOK_LOG_GROUP_ID = 'WebhookLogGroup';
export const META_LOG_GROUP_ID = 'MetaLogGroup';

export const PROBE_ROLE_ID = 'VigilProbeRole';
export const WEBHOOK_ROLE_ID = 'VigilWebhookRole';
export const META_ROLE_ID = 'VigilMetaRole';
export const PROBE_SCHEDULER_ROLE_ID = 'VigilProbeSchedulerRole';
export const DEAD_LETTER_QUEUE_ID = 'VigilDeadLetterQueue';
export const STATE_BUCKET_ID = 'VigilStateBucket';
export const SWEEP_FUNCTION_ID = 'SweepLambdaFunction';
export const SWEEP_LOG_GROUP_ID = 'SweepLogGroup';
export const SWEEP_ROLE_ID = 'VigilSweepRole';
export const SWEEP_SCHEDULER_ROLE_ID = 'VigilSweepSchedulerRole';
export const ALERT_STATE_TABLE_ID = 'VigilAlertStateTable';

/** Exactly the item operations functions/state/dynamodb.ts makes (no Scan, no batch, no table management). */
export const ALERT_STATE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

/** SNS topics the config publishes to: `channels.<name>` with `type: sns` and a literal `topicArn`. */
export function snsTopicArns(config: VigilConfig): string[] {
  const arns = new Set<string>();
  for (const channel of Object.values(config.channels) as Record<string, unknown>[]) {
    const topicArn = channel.topicArn;
    if (channel.type === 'sns' && typeof topicArn === 'string' && !PLACEHOLDER_RE.test(topicArn))
      arns.add(topicArn);
  }
  return [...arns].sort();
}

/** ssm:GetParameter(s) on exactly the parameters vigil.yml names, and kms:Decrypt only when SSM asks for it. */
function ssmStatements(config: VigilConfig): Statement[] {
  const names = [...referencedSsmParameters(config)].sort();
  if (names.length === 0) return [];
  return [
    {
      Sid: 'ReadReferencedParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameters'],
      // Parameter ARNs are arn:...:parameter/<name> with the name's leading slash dropped.
      Resource: names.map((name) => arn('ssm', `parameter/${name.replace(/^\//, '')}`)),
    },
    {
      Sid: 'DecryptSecureStringsViaSsm',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: arn('kms', 'key/*'),
      Condition: { StringEquals: { 'kms:ViaService': join(['ssm.', REGION, '.amazonaws.com']) } },
    },
  ];
}

function logStatement(logGroupId: string): Statement {
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    // The log group's Arn attribute ends in :*, which covers its streams.
    Resource: getAtt(logGroupId, 'Arn'),
  };
}

function role(name: string, service: string, statements: Statement[], sourceAccount = false): CfnResource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: service },
            Action: 'sts:AssumeRole',
            // Confused-deputy guard for service principals acting for this account only.
            ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } } } : {}),
          },
        ],
      },
      Policies: [
        {
          PolicyName: name,
          PolicyDocument: { Version: '2012-10-17', Statement: statements as unknown as Json },
        },
      ],
    },
  };
}

/**
 * The probe's rate state: read and write objects under the state prefix only. ListBucket (held to that prefix)
 * is there so a missing object answers 404 NoSuchKey, the first round, instead of 403 AccessDenied.
 */
function stateStatements(): Statement[] {
  return [
    {
      Sid: 'ReadWriteProbeState',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: join([getAtt(STATE_BUCKET_ID, 'Arn'), `/${STATE_PREFIX}*`]),
    },
    {
      Sid: 'FindProbeState',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: getAtt(STATE_BUCKET_ID, 'Arn'),
      Condition: { StringLike: { 's3:prefix': `${STATE_PREFIX}*` } },
    },
  ];
}

/** The probe: its logs, metrics in vigil's namespace, its rate state, the parameters the config references. */
export function probeRole(config: VigilConfig): CfnResource {
  return role('vigil-probe', 'lambda.amazonaws.com', [
    logStatement(PROBE_LOG_GROUP_ID),
    ...stateStatements(),
    {
      Sid: 'PublishVigilMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': config.namespace } },
    },
    ...fanoutStatements(config),
    ...ssmStatements(config),
    ...(config.alarms.mode === 'self' ? selfAlarmStatements() : []),
  ]);
}

/** alarms.mode self: the probe keeps alarm state in the alert state table and publishes changes to the alerts topic. */
function selfAlarmStatements(): Statement[] {
  return [
    stateStatement(),
    { Sid: 'PublishAlarmChanges', Effect: 'Allow', Action: 'sns:Publish', Resource: ref(ALERTS_TOPIC_ID) },
  ];
}

function stateStatement(): Statement {
  return {
    Sid: 'ReadWriteAlertState',
    Effect: 'Allow',
    Action: [...ALERT_STATE_TABLE_ACTIONS],
    Resource: getAtt(ALERT_STATE_TABLE_ID, 'Arn'),
  };
}

/**
 * The meta function delivers like the webhook (same channels, dead letters, parameters, alert state) but under its
 * own role and log group, so nothing the webhook's identity loses takes the meta path down with it.
 */
export function metaRole(config: VigilConfig): CfnResource {
  return role('vigil-meta', 'lambda.amazonaws.com', [
    logStatement(META_LOG_GROUP_ID),
    stateStatement(),
    ...deliveryStatements(config),
  ]);
}

/** What delivering needs, for the webhook, the meta function and the sweep: dead letters, topics, parameters. */
function deliveryStatements(config: VigilConfig): Statement[] {
  const topics = snsTopicArns(config);
  return [
    {
      Sid: 'SendDeadLetters',
      Effect: 'Allow',
      Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
      Resource: getAtt(DEAD_LETTER_QUEUE_ID, 'Arn'),
    },
    ...(topics.length === 0
      ? []
      : [
          {
            Sid: 'PublishToConfiguredTopics',
            Effect: 'Allow' as const,
            Action: 'sns:Publish',
            Resource: topics,
          },
        ]),
    ...ssmStatements(config),
  ];
}

/** The sweep: its logs, the alert state, and what delivering needs (reminders and queued alerts go out from it). */
export function sweepRole(config: VigilConfig): CfnResource {
  return role('vigil-sweep', 'lambda.amazonaws.com', [
    logStatement(SWEEP_LOG_GROUP_ID),
    stateStatement(),
    ...deliveryStatements(config),
  ]);
}

/** EventBridge Scheduler's role for the sweep's schedule: invoke the sweep function, nothing else. */
export function sweepSchedulerRole(): CfnResource {
  return schedulerRole('vigil-sweep-schedule', 'InvokeSweep', SWEEP_FUNCTION_ID);
}

/** The webhook: its logs, the alert state, the dead-letter queue, the config's SNS topics and parameters. */
export function webhookRole(config: VigilConfig): CfnResource {
  return role('vigil-webhook', 'lambda.amazonaws.com', [
    logStatement(WEBHOOK_LOG_GROUP_ID),
    stateStatement(),
    ...deliveryStatements(config),
  ]);
}

/** EventBridge Scheduler's role for the probe schedule: invoke the probe function, nothing else. */
export function probeSchedulerRole(): CfnResource {
  return schedulerRole('vigil-probe-schedule', 'InvokeProbe', PROBE_FUNCTION_ID);
}

/** A schedule's role: invoke one function, for this account only. */
function schedulerRole(name: string, sid: string, functionId: string): CfnResource {
  return role(
    name,
    'scheduler.amazonaws.com',
    [{ Sid: sid, Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: getAtt(functionId, 'Arn') }],
    true,
  );
}
