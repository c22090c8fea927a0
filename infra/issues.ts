/**
 * Problems only the deployment can see (the schema accepts the config, CloudFormation or CloudWatch would not),
 * reported like `vigil validate` does: a path into vigil.yml and what to change.
 */
import { alarmIssues } from '../functions/alarms/definitions';
import type { ConfigIssue } from '../functions/config/load';
import type { VigilConfig } from '../functions/config/schema';
import { PLACEHOLDER_RE } from '../functions/config/secrets';
import { CLOUDFORMATION_MAX_RESOURCES, CLOUDFORMATION_TEMPLATE_MAX_BYTES } from './cfn';
import { definitionsFor, type InfraOptions, resources } from './resources';
import { SCHEDULER_MIN_RATE_MS } from './schedule';

/**
 * What osls adds around vigil's resources: deployment bucket and policy, per function a log group, function and
 * version, the probe's schedule, the webhook's URL, its permission and the SNS subscription with its permission.
 */
export const SERVERLESS_OWN_RESOURCES = 14;
/** Room kept for osls' part of the template (functions, outputs), in bytes. */
export const SERVERLESS_OWN_TEMPLATE_BYTES = 20_000;

export function infraIssues(config: VigilConfig, options: InfraOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const schedule = config.probe.schedule;
  if (schedule < SCHEDULER_MIN_RATE_MS || schedule % SCHEDULER_MIN_RATE_MS !== 0) {
    issues.push({
      path: 'probe.schedule',
      message: `${schedule}ms: EventBridge Scheduler runs the probe in whole minutes; use 1m, 2m, 5m…`,
    });
    // Everything below derives from the schedule.
    return issues;
  }
  issues.push(...alarmIssues(definitionsFor(config, options)));
  for (const [name, channel] of Object.entries(config.channels) as [string, Record<string, unknown>][]) {
    if (
      channel.type === 'sns' &&
      typeof channel.topicArn === 'string' &&
      PLACEHOLDER_RE.test(channel.topicArn)
    ) {
      issues.push({
        path: `channels.${name}.topicArn`,
        message:
          'IAM can only allow sns:Publish on a topic ARN known when deploying: write the ARN itself, not a placeholder',
      });
    }
  }
  const template = resources(config, options);
  const count = Object.keys(template.Resources).length + SERVERLESS_OWN_RESOURCES;
  if (count > CLOUDFORMATION_MAX_RESOURCES) {
    issues.push({
      path: 'targets',
      message: `the deployment needs ${count} CloudFormation resources (one per alarm), over the limit of ${CLOUDFORMATION_MAX_RESOURCES}: use fewer threshold levels or split targets over stages`,
    });
  }
  const bytes = Buffer.byteLength(JSON.stringify(template)) + SERVERLESS_OWN_TEMPLATE_BYTES;
  if (bytes > CLOUDFORMATION_TEMPLATE_MAX_BYTES) {
    issues.push({
      path: 'targets',
      message: `the CloudFormation template would be about ${bytes} bytes, over the limit of ${CLOUDFORMATION_TEMPLATE_MAX_BYTES}: use fewer targets or metrics per stage`,
    });
  }
  return issues;
}
