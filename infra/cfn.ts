/** CloudFormation template shapes and intrinsic-function helpers shared by the generators in infra/. */
import { createHash } from 'node:crypto';

/** Any JSON value a template may hold (intrinsics are plain objects). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnOutput {
  Description?: string;
  Value: Json;
}

export interface Template {
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, CfnOutput>;
}

/** CloudFormation: logical IDs are alphanumeric, at most 255 characters. */
export const LOGICAL_ID_MAX_CHARS = 255;
/** CloudFormation: at most 500 resources per stack. */
export const CLOUDFORMATION_MAX_RESOURCES = 500;
/** CloudFormation: a template uploaded through S3 (as osls does) may be at most 1 MB. */
export const CLOUDFORMATION_TEMPLATE_MAX_BYTES = 1_000_000;

export const ref = (logicalId: string): Json => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): Json => ({
  'Fn::GetAtt': [logicalId, attribute],
});
export const join = (parts: Json[], separator = ''): Json => ({ 'Fn::Join': [separator, parts] });

export const PARTITION = ref('AWS::Partition');
export const REGION = ref('AWS::Region');
export const ACCOUNT_ID = ref('AWS::AccountId');

/** arn:<partition>:<service>:<region>:<account>:<resource>, built with Fn::Join (no ${} for osls to misread). */
export function arn(service: string, resource: string, { region = true, account = true } = {}): Json {
  return join([
    'arn:',
    PARTITION,
    `:${service}:`,
    region ? REGION : '',
    ':',
    account ? ACCOUNT_ID : '',
    `:${resource}`,
  ]);
}

/** A readable, unique logical ID: prefix + the name's letters and digits + a short hash of the name. */
export function logicalId(prefix: string, name: string): string {
  const readable = name.replace(/[^A-Za-z0-9]/g, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const room = LOGICAL_ID_MAX_CHARS - prefix.length - hash.length;
  return `${prefix}${readable.slice(0, room)}${hash}`;
}

/** Concatenates template fragments into Fn::Join parts, merging adjacent strings. */
export function joined(parts: readonly Json[]): Json {
  const merged: Json[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else if (part !== '') merged.push(part);
  }
  if (merged.length === 1 && typeof merged[0] === 'string') return merged[0];
  return join(merged);
}
