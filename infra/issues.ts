/**
 * Problems only the deployment can see (the schema accepts the config, CloudFormation or CloudWatch would not),
 * reported like `vigil validate` does: a path into vigil.yml and what to change.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { alarmIssues } from '../functions/alarms/definitions';
import type { ConfigIssue } from '../functions/config/load';
import type { VigilConfig } from '../functions/config/schema';
import { PLACEHOLDER_RE, placeholdersIn } from '../functions/config/secrets';
import { selectionIssues } from '../functions/metrics/selection';
import { isBlockedAddress } from '../functions/probing/netguard';
import { CLOUDFORMATION_MAX_RESOURCES, CLOUDFORMATION_TEMPLATE_MAX_BYTES } from './cfn';
import { allDefinitions, type InfraOptions, resources } from './resources';
import { SCHEDULER_MIN_RATE_MS } from './schedule';

/**
 * What osls adds around vigil's resources: deployment bucket and policy, per function (probe, webhook, meta, sweep)
 * a log group, function and version, the probe's and the sweep's schedules, the webhook's URL and its permission,
 * per SNS subscription (webhook ← alerts, meta ← meta) the subscription and its permission, and the async-invoke
 * configs (no retries) of the meta, probe and sweep functions. test/integration/package.test.ts checks the count.
 */
export const SERVERLESS_OWN_RESOURCES = 26;
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
  issues.push(...alarmIssues(allDefinitions(config, options)));
  issues.push(...selectionIssues(config));
  const home = config.probe.locations?.[0];
  if (home !== undefined && options.region !== home) {
    issues.push({
      path: 'probe.locations',
      message: `the home region is ${home} (the first location): deploy serverless.yml there, and serverless.location.yml to ${options.region}`,
    });
  }
  const { token, hmacSecret, public: open } = config.webhook;
  if (token === undefined && hmacSecret === undefined && !open) {
    issues.push({
      path: 'webhook',
      message:
        'neither token nor hmacSecret is set: the deployed Function URL would take alerts from anyone on the internet; set webhook.token (or hmacSecret), or webhook.public: true to deploy it open on purpose (local runs only warn)',
    });
  }
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

/**
 * What a deployment allows but probably does not mean, reported by `vigil validate` and packaging without stopping
 * them: a target on loopback or link-local addresses probes the Lambda's own sandbox, not the service; an
 * `${env:NAME}` is read from the Lambda's environment, which holds only vigil's own variables unless the team adds
 * it to serverless.yml.
 */
export function deployWarnings(config: VigilConfig): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const { targets, webhook, channels } = config;
  for (const { path, kind, name } of placeholdersIn({ targets, webhook, channels }))
    if (kind === 'env')
      warnings.push({
        path,
        message: `\${env:${name}} is read from the Lambda's environment, where vigil sets only its own variables: add ${name} to the functions' environment in serverless.yml, or use \${ssm:/parameter/path}`,
      });
  if (config.alerts.meta === undefined && config.routes.length === 0)
    warnings.push({
      path: 'alerts.meta',
      message:
        'no routes and no alerts.meta: the alarms on vigil itself (probe stalled, webhook errors, dead letters) would reach nobody; name their channels in alerts.meta',
    });
  config.targets.forEach((target, index) => {
    if (PLACEHOLDER_RE.test(target.url)) return;
    const host = hostOf(target.url);
    if (host === undefined) return;
    const where = localOnly(host);
    if (where)
      warnings.push({
        path: `targets[${index}].url`,
        message: `${host} is ${where}: deployed, the probe Lambda reaches its own sandbox there, not ${target.name}; use an address the Lambda can reach`,
      });
  });
  return warnings;
}

function hostOf(url: string): string | undefined {
  try {
    // URL keeps IPv6 hosts in brackets.
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/** "a loopback address", "a link-local address", or undefined when the host may be reachable from Lambda. */
function localOnly(host: string): string | undefined {
  const name = host.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return 'a loopback name';
  if (isIPv4(name)) {
    if (name.startsWith('127.') || name === '0.0.0.0') return 'a loopback address';
    return isBlockedAddress(name) ? 'a link-local address' : undefined;
  }
  if (isIPv6(name)) {
    if (name === '::1' || name === '::') return 'a loopback address';
    return isBlockedAddress(name) ? 'a link-local address' : undefined;
  }
  return undefined;
}
