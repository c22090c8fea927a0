/**
 * A local alarm transition → the event the webhook Lambda receives when CloudWatch publishes that state change to
 * the alerts topic (reference alerts.md A1): an SNS record whose `Message` is the alarm notification as a JSON
 * string (alarms/notification.ts). `vigil dev` hands it to handleWebhookEvent in-process, so detection, routing,
 * rendering and delivery are the deployed code paths. Pure: ids and times come in through the context.
 */
import type { SNSEvent } from 'aws-lambda';
import type { AlarmTopic } from '../alarms/definitions';
import { deploymentNames } from '../alarms/health';
import { type AlarmNotificationContext, snsAlarmMessage, snsSubject } from '../alarms/notification';
import { LOCAL_REGION, LOCAL_STAGE, type LocalTransition } from './alarms';

/** LocalStack's account id: twelve digits, as the webhook expects, and recognisably not a real account. */
export const LOCAL_ACCOUNT = '000000000000';
/** What CloudWatch puts in `Region`: a display name, never parsed (the webhook reads the ARN). */
export const LOCAL_REGION_NAME = 'Local (vigil dev)';
const LOCAL_SUBSCRIPTION_ID = 'vigil-dev-local-subscription';

export interface SnsContext extends AlarmNotificationContext {
  /** SNS MessageId (a UUID in AWS). */
  messageId: string;
  /** When SNS delivered the message (the record's `Timestamp`). */
  publishedAt: Date;
}

/** The alerts (or meta) topic of a local stage, as infra/ names it in AWS. */
export function localTopicArn(
  region = LOCAL_REGION,
  account = LOCAL_ACCOUNT,
  stage = LOCAL_STAGE,
  topic: AlarmTopic = 'alerts',
): string {
  const names = deploymentNames({ stage });
  return `arn:aws:sns:${region}:${account}:${topic === 'alerts' ? names.alertsTopic : names.metaTopic}`;
}

export function localSnsContext(
  ids: { messageId: string; publishedAt: Date; configuredAt: Date },
  region = LOCAL_REGION,
  topic: AlarmTopic = 'alerts',
): SnsContext {
  return {
    region,
    regionName: LOCAL_REGION_NAME,
    account: LOCAL_ACCOUNT,
    topicArn: localTopicArn(region, LOCAL_ACCOUNT, LOCAL_STAGE, topic),
    ...ids,
  };
}

/**
 * Which transitions reach SNS. infra/alarms.ts sets AlarmActions and OKActions (no InsufficientDataActions), so a
 * move to INSUFFICIENT_DATA publishes nothing; nor does a new alarm's first OK (see LocalTransition.initial).
 */
export function isPublished(transition: Pick<LocalTransition, 'to' | 'initial'>): boolean {
  return transition.to === 'ALARM' || (transition.to === 'OK' && !transition.initial);
}

/** The Lambda event: one SNS record carrying the alarm message as a JSON string. */
export function snsAlarmEvent(transition: LocalTransition, ctx: SnsContext): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${ctx.topicArn}:${LOCAL_SUBSCRIPTION_ID}`,
        Sns: {
          Type: 'Notification',
          MessageId: ctx.messageId,
          TopicArn: ctx.topicArn,
          Subject: snsSubject(transition.to, transition.definition.name, ctx.regionName),
          Message: JSON.stringify(snsAlarmMessage(transition, ctx)),
          Timestamp: ctx.publishedAt.toISOString(),
          SignatureVersion: '1',
          // Lambda subscriptions are not verified by the webhook; locally nothing is signed.
          Signature: 'UNSIGNED',
          SigningCertUrl: `https://sns.${ctx.region}.amazonaws.com/SimpleNotificationService-local.pem`,
          UnsubscribeUrl: `https://sns.${ctx.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${ctx.topicArn}:${LOCAL_SUBSCRIPTION_ID}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
