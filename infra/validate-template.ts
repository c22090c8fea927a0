/**
 * Offline CloudFormation template validation against the real resource specification (@aws-cdk/aws-service-spec,
 * the registry schemas CloudFormation itself uses): resource types exist, properties are known, required ones are
 * present, values have the right shape and primitive type (recursively through property types), and every Ref,
 * Fn::GetAtt, Fn::Sub variable, DependsOn and Condition points at something that exists (a real attribute, for
 * GetAtt). Intrinsic functions are accepted wherever a value goes: their result is only known at deploy time.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

export interface TemplateProblem {
  /** e.g. Resources.VigilAlarm….Properties.Threshold */
  path: string;
  message: string;
}

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
] as const;

const TEMPLATE_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const INTRINSICS = new Set([
  'Ref',
  'Condition',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::FindInMap',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::If',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Length',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::ToJsonString',
  'Fn::And',
  'Fn::Equals',
  'Fn::Not',
  'Fn::Or',
]);

let cached: SpecDatabase | undefined;

/** The specification database (loaded once, ~0.5 s). */
export function specDatabase(): SpecDatabase {
  cached ??= loadAwsServiceSpecSync();
  return cached;
}

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ "Ref": … }`, `{ "Fn::Join": … }`: one key naming an intrinsic function. */
export function isIntrinsic(value: unknown): value is Obj {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.has(keys[0]!);
}

/** Every problem in the template; an empty list means it passed. */
export function validateTemplate(template: unknown, db: SpecDatabase = specDatabase()): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(template)) return [{ path: '', message: 'a template is a JSON object' }];
  for (const key of Object.keys(template))
    if (!TEMPLATE_SECTIONS.has(key)) report(key, `unknown template section "${key}"`);
  const resources = template.Resources;
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    report('Resources', 'a template needs at least one resource');
    return problems;
  }
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  const conditions = isObject(template.Conditions) ? template.Conditions : {};
  const types = new Map<string, Resource | 'custom'>();

  for (const [id, resource] of Object.entries(resources)) {
    const path = `Resources.${id}`;
    if (!/^[A-Za-z0-9]{1,255}$/.test(id)) report(path, 'logical IDs are 1-255 letters and digits');
    if (!isObject(resource)) {
      report(path, 'a resource is an object with Type and Properties');
      continue;
    }
    for (const key of Object.keys(resource))
      if (!RESOURCE_KEYS.has(key)) report(`${path}.${key}`, `unknown resource attribute "${key}"`);
    const type = resource.Type;
    if (typeof type !== 'string') {
      report(`${path}.Type`, 'Type is required');
      continue;
    }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
      types.set(id, 'custom');
      continue;
    }
    const spec = db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
    if (!spec) {
      report(`${path}.Type`, `unknown resource type "${type}"`);
      continue;
    }
    types.set(id, spec);
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) {
      report(`${path}.Properties`, 'Properties is an object');
      continue;
    }
    checkProperties(db, spec.properties, properties, `${path}.Properties`, report);
  }

  const refTargets = new Set<string>([
    ...Object.keys(resources),
    ...Object.keys(parameters),
    ...PSEUDO_PARAMETERS,
  ]);
  const checkRef = (name: unknown, path: string) => {
    if (typeof name !== 'string' || !refTargets.has(name))
      report(path, `Ref to ${JSON.stringify(name)}, which is not a resource, parameter or pseudo parameter`);
  };
  const checkGetAtt = (id: string, attribute: string, path: string) => {
    const spec = types.get(id);
    if (!(id in resources)) report(path, `Fn::GetAtt on "${id}", which is not a resource`);
    else if (spec && spec !== 'custom' && !(attribute in spec.attributes)) {
      report(
        path,
        `Fn::GetAtt: ${spec.cloudFormationType} has no attribute "${attribute}" (it has ${Object.keys(spec.attributes).join(', ') || 'none'})`,
      );
    }
  };
  const walk = (value: unknown, path: string, locals: ReadonlySet<string> = new Set()): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        walk(item, `${path}[${index}]`, locals);
      });
      return;
    }
    if (!isObject(value)) return;
    if ('Ref' in value && Object.keys(value).length === 1) checkRef(value.Ref, `${path}.Ref`);
    if ('Fn::GetAtt' in value && Object.keys(value).length === 1) {
      const target = value['Fn::GetAtt'];
      const [id, attribute] =
        typeof target === 'string' ? splitOnce(target) : Array.isArray(target) ? target : [];
      if (typeof id !== 'string' || typeof attribute !== 'string')
        report(`${path}.Fn::GetAtt`, 'Fn::GetAtt takes [logicalId, attribute]');
      else checkGetAtt(id, attribute, `${path}.Fn::GetAtt`);
    }
    if ('Fn::Sub' in value && Object.keys(value).length === 1) {
      const sub = value['Fn::Sub'];
      const [text, variables] =
        typeof sub === 'string' ? [sub, {}] : Array.isArray(sub) ? sub : [undefined, {}];
      if (typeof text !== 'string')
        report(`${path}.Fn::Sub`, 'Fn::Sub takes a string or [string, variables]');
      else {
        const own = new Set(isObject(variables) ? Object.keys(variables) : []);
        for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1]!.trim();
          if (own.has(name) || locals.has(name)) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::'))
            checkGetAtt(name.slice(0, dot), name.slice(dot + 1), `${path}.Fn::Sub`);
          else checkRef(name, `${path}.Fn::Sub`);
        }
        if (isObject(variables)) walk(variables, `${path}.Fn::Sub[1]`, locals);
        return;
      }
    }
    for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, locals);
  };

  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource)) continue;
    const path = `Resources.${id}`;
    walk(resource.Properties, `${path}.Properties`);
    const dependsOn = resource.DependsOn;
    for (const dependency of dependsOn === undefined
      ? []
      : Array.isArray(dependsOn)
        ? dependsOn
        : [dependsOn]) {
      if (typeof dependency !== 'string' || !(dependency in resources))
        report(`${path}.DependsOn`, `DependsOn ${JSON.stringify(dependency)}, which is not a resource`);
    }
    if (resource.Condition !== undefined && !(String(resource.Condition) in conditions)) {
      report(`${path}.Condition`, `unknown condition ${JSON.stringify(resource.Condition)}`);
    }
  }
  const outputs = template.Outputs;
  if (outputs !== undefined) {
    if (!isObject(outputs)) report('Outputs', 'Outputs is an object');
    else {
      for (const [id, output] of Object.entries(outputs)) {
        if (!isObject(output) || !('Value' in output)) report(`Outputs.${id}`, 'an output needs a Value');
        else walk(output, `Outputs.${id}`);
      }
    }
  }
  return problems;
}

function splitOnce(text: string): [string, string] | [] {
  const dot = text.indexOf('.');
  return dot > 0 ? [text.slice(0, dot), text.slice(dot + 1)] : [];
}

type Report = (path: string, message: string) => void;

function checkProperties(
  db: SpecDatabase,
  spec: Record<string, { required?: boolean; type: PropertyType; previousTypes?: PropertyType[] }>,
  value: Obj,
  path: string,
  report: Report,
): void {
  for (const [name, property] of Object.entries(spec)) {
    if (property.required && !(name in value))
      report(`${path}.${name}`, `required property ${name} is missing`);
  }
  for (const [name, item] of Object.entries(value)) {
    const property = spec[name];
    if (!property) {
      report(`${path}.${name}`, `unknown property "${name}" (known: ${Object.keys(spec).join(', ')})`);
      continue;
    }
    const candidates = [property.type, ...(property.previousTypes ?? [])];
    let best: TemplateProblem[] | undefined;
    for (const candidate of candidates) {
      const found: TemplateProblem[] = [];
      checkValue(db, candidate, item, `${path}.${name}`, (where, message) =>
        found.push({ path: where, message }),
      );
      if (found.length === 0) {
        best = [];
        break;
      }
      if (!best || found.length < best.length) best = found;
    }
    for (const problem of best ?? []) report(problem.path, problem.message);
  }
}

function checkValue(
  db: SpecDatabase,
  type: PropertyType,
  value: unknown,
  path: string,
  report: Report,
): void {
  if (isIntrinsic(value)) return;
  switch (type.type) {
    case 'array':
      if (!Array.isArray(value)) report(path, `expected a list, got ${describe(value)}`);
      else {
        value.forEach((item, index) => {
          checkValue(db, type.element, item, `${path}[${index}]`, report);
        });
      }
      return;
    case 'map':
      if (!isObject(value)) report(path, `expected a map, got ${describe(value)}`);
      else
        for (const [key, item] of Object.entries(value))
          checkValue(db, type.element, item, `${path}.${key}`, report);
      return;
    case 'ref': {
      const definition: TypeDefinition = db.get('typeDefinition', type.reference);
      if (!isObject(value)) report(path, `expected a ${definition.name} object, got ${describe(value)}`);
      else checkProperties(db, definition.properties, value, path, report);
      return;
    }
    case 'union': {
      let best: TemplateProblem[] | undefined;
      for (const member of type.types) {
        const found: TemplateProblem[] = [];
        checkValue(db, member, value, path, (where, message) => found.push({ path: where, message }));
        if (found.length === 0) return;
        if (!best || found.length < best.length) best = found;
      }
      for (const problem of best ?? []) report(problem.path, problem.message);
      return;
    }
    default: {
      const message = primitiveProblem(type, value);
      if (message) report(path, message);
    }
  }
}

/** What is wrong with a primitive value, if anything. */
function primitiveProblem(type: PropertyType, value: unknown): string | undefined {
  switch (type.type) {
    case 'string':
    case 'date-time':
      // CloudFormation turns numbers and booleans into strings; objects and lists are errors.
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        const allowed = type.type === 'string' ? type.allowedValues : undefined;
        if (allowed && typeof value === 'string' && !allowed.includes(value)) {
          return `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`;
        }
        return undefined;
      }
      return `expected a string, got ${describe(value)}`;
    case 'number':
    case 'integer': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number))
        return `expected a ${type.type}, got ${describe(value)}`;
      if (type.type === 'integer' && !Number.isInteger(number)) return `expected an integer, got ${number}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false'
        ? undefined
        : `expected a boolean, got ${describe(value)}`;
    case 'json':
      return isObject(value) || Array.isArray(value) || typeof value === 'string'
        ? undefined
        : `expected a JSON object, got ${describe(value)}`;
    case 'null':
      return value === null ? undefined : `expected null, got ${describe(value)}`;
    case 'tag':
      return isObject(value) && 'Key' in value && 'Value' in value
        ? undefined
        : 'expected a tag { Key, Value }';
    default:
      return undefined;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
