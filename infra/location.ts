/**
 * The stack of a probe location besides the home region (serverless.location.yml): the probe function's role,
 * its schedule's role, its own state bucket (rate state and leases stay in the region that probes) and, for a
 * sharded config, its shard queue. No alarms, topics, dead-letter queue or dashboards: those are the home
 * region's (probe.locations[0]), and every location's probe publishes its metrics there (functions/probe/handler.ts).
 * IAM is global and these roles are named by CloudFormation, so stacks in several regions never clash.
 */

import { deploymentNames } from '../functions/alarms/health';
import type { ConfigIssue } from '../functions/config/load';
import type { VigilConfig } from '../functions/config/schema';
import { ref, type Template } from './cfn';
import { fanoutResources } from './fanout';
import {
  PROBE_ROLE_ID,
  PROBE_SCHEDULER_ROLE_ID,
  probeRole,
  probeSchedulerRole,
  STATE_BUCKET_ID,
} from './iam';
import {
  type InfraOptions,
  probeSettings,
  STATE_BUCKET_POLICY_ID,
  stateBucket,
  stateBucketPolicy,
} from './resources';

/** What keeps a location stack from deploying to `options.region`. */
export function locationIssues(config: VigilConfig, options: InfraOptions): ConfigIssue[] {
  const locations = config.probe.locations ?? [];
  if (locations.length === 0)
    return [
      {
        path: 'probe.locations',
        message: 'no locations: deploy serverless.yml alone (it probes from its own region)',
      },
    ];
  if (locations[0] === options.region)
    return [
      {
        path: 'probe.locations',
        message: `${options.region} is the home region: deploy serverless.yml there`,
      },
    ];
  if (!locations.includes(options.region))
    return [
      {
        path: 'probe.locations',
        message: `${options.region} is not one of the locations (${locations.join(', ')})`,
      },
    ];
  return [];
}

export function locationResources(config: VigilConfig, options: InfraOptions): Template {
  return {
    Resources: {
      [STATE_BUCKET_ID]: stateBucket(),
      [STATE_BUCKET_POLICY_ID]: stateBucketPolicy(),
      [PROBE_ROLE_ID]: probeRole(config),
      [PROBE_SCHEDULER_ROLE_ID]: probeSchedulerRole(),
      ...fanoutResources(config, deploymentNames(options).shardQueue),
    },
    Outputs: {
      VigilStateBucketName: {
        Description: 'The probe rate state of this location',
        Value: ref(STATE_BUCKET_ID),
      },
    },
  };
}

/** The keys serverless.yml's probe block reads, for a location (the home-only ones are never read there). */
export const locationSettings = probeSettings;
