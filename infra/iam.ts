/**
 * Least-privilege IAM: one role per function plus one for the probe's schedule, each allowed exactly what its
 * code does. Nothing is granted on `*` except PutMetricData, which has no resource ARN and is held to vigil's
 * namespace by the `cloudwatch:namespace` condition key.
 */

import type { VigilConfig } from '../functions/config/schema';
import { PLACEHOLDER_RE, referencedSsmParameters } from '../functions/config/secrets';
import { STATE_PREFIX } from '../functions/probing/state';
import { ACCOUNT_ID, arn, type CfnResource, getAtt, type Json, join, REGION } from './cfn';
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
  ]);
}

/** The webhook: its logs, the dead-letter queue, the SNS topics the config names, the referenced parameters. */
export function webhookRole(config: VigilConfig): CfnResource {
  return deliveryRole('vigil-webhook', WEBHOOK_LOG_GROUP_ID, config);
}

/**
 * The meta function delivers like the webhook (same channels, dead letters, parameters) but under its own role and
 * log group, so nothing the webhook's identity loses takes the meta path down with it.
 */
export function metaRole(config: VigilConfig): CfnResource {
  return deliveryRole('vigil-meta', META_LOG_GROUP_ID, config);
}

function deliveryRole(name: string, logGroupId: string, config: VigilConfig): CfnResource {
  const topics = snsTopicArns(config);
  return role(name, 'lambda.amazonaws.com', [
    logStatement(logGroupId),
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
  ]);
}

/** EventBridge Scheduler's role for the probe schedule: invoke the probe function, nothing else. */
export function probeSchedulerRole(): CfnResource {
  return role(
    'vigil-probe-schedule',
    'scheduler.amazonaws.com',
    [
      {
        Sid: 'InvokeProbe',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: getAtt(PROBE_FUNCTION_ID, 'Arn'),
      },
    ],
    true,
  );
}
