/**
 * The rate-state store: `stateStore(env, stateDir)` picks S3 in Lambda (`VIGIL_STATE_BUCKET`) and a file under
 * the state directory elsewhere; both are the same StateStore (store.ts) over different objects.
 */
import { join } from 'node:path';
import { fileStateObjects } from './file';
import { s3StateObjects } from './s3';
import { createStateStore } from './store';
import type { StateObjects, StateStore } from './types';

/** Env var naming the state bucket; set on the probe function by the deployment. */
export const STATE_BUCKET_ENV = 'VIGIL_STATE_BUCKET';
/** Key prefix in the bucket, and the sub-directory of the local state directory; IAM allows only this prefix. */
export const STATE_PREFIX = 'probe-state/';

export function stateStore(env: NodeJS.ProcessEnv, stateDir: string): StateStore {
  const { objects, prefix } = stateObjects(env, stateDir);
  return createStateStore(objects, prefix);
}

/** The objects behind the store, for what else the probe keeps per shard (fanout/lease.ts): same place, same IAM. */
export function stateObjects(
  env: NodeJS.ProcessEnv,
  stateDir: string,
): { objects: StateObjects; prefix: string } {
  const bucket = env[STATE_BUCKET_ENV];
  if (bucket !== undefined && bucket !== '') return { objects: s3StateObjects(bucket), prefix: STATE_PREFIX };
  return { objects: fileStateObjects(join(stateDir, STATE_PREFIX)), prefix: '' };
}
