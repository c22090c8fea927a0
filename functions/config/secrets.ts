/**
 * ${env:NAME} and ${ssm:/path} placeholders: written in vigil.yml, resolved at run time (never at load, so
 * `vigil validate` and `osls package` need no credentials), cached for the life of the process, and registered
 * for redaction so they never appear in a log or an error.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { registerSecret } from '../logging/redact';

export const PLACEHOLDER_RE = /\$\{(env|ssm):([^}]*)\}/;
const PLACEHOLDER_GLOBAL_RE = /\$\{(env|ssm):([^}]*)\}/g;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// SSM parameter names: path segments of letters, digits and . - _ separated by /.
const SSM_NAME_RE = /^\/?[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Syntax check at load: returns a message for a malformed placeholder, undefined when all are fine. */
export function placeholderError(value: string): string | undefined {
  for (const match of value.matchAll(/\$\{([^}]*)\}?/g)) {
    const body = match[1] ?? '';
    if (!match[0].endsWith('}')) return `unterminated placeholder "${match[0]}": close it with }`;
    const [kind, ...rest] = body.split(':');
    const name = rest.join(':');
    if (kind === 'env' && ENV_NAME_RE.test(name)) continue;
    if (kind === 'ssm' && SSM_NAME_RE.test(name)) continue;
    return `bad placeholder "\${${body}}": write \${env:NAME} or \${ssm:/parameter/path}`;
  }
  return undefined;
}

export class SecretError extends Error {
  override name = 'SecretError';
  constructor(
    message: string,
    readonly reason: 'env-missing' | 'ssm-failed',
  ) {
    super(message);
  }
}

export type SsmLookup = (name: string) => Promise<string>;

let ssmClient: SSMClient | undefined;

/** Default SSM lookup: standard SDK configuration (region, credentials, AWS_ENDPOINT_URL_SSM), SecureString decrypted. */
const defaultSsmLookup: SsmLookup = async (name) => {
  ssmClient ??= new SSMClient({});
  const out = await ssmClient.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (value === undefined) throw new Error('parameter has no value');
  return value;
};

const ssmCache = new Map<string, Promise<string>>();

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  ssm?: SsmLookup;
}

/** Resolves every placeholder in `value`; the resolved secrets are registered for redaction. */
export async function resolveSecrets(value: string, options: ResolveOptions = {}): Promise<string> {
  if (!PLACEHOLDER_RE.test(value)) return value;
  const env = options.env ?? process.env;
  const ssm = options.ssm ?? defaultSsmLookup;
  const parts: Promise<string>[] = [];
  const literals: string[] = [];
  let last = 0;
  for (const match of value.matchAll(PLACEHOLDER_GLOBAL_RE)) {
    literals.push(value.slice(last, match.index));
    last = match.index + match[0].length;
    const [, kind, name] = match as unknown as [string, 'env' | 'ssm', string];
    if (kind === 'env') {
      const resolved = env[name];
      if (resolved === undefined) {
        parts.push(
          Promise.reject(
            new SecretError(
              `environment variable ${name} is not set (referenced as \${env:${name}})`,
              'env-missing',
            ),
          ),
        );
      } else parts.push(Promise.resolve(resolved));
    } else {
      let cached = ssmCache.get(name);
      if (!cached) {
        cached = ssm(name).catch((error: unknown) => {
          ssmCache.delete(name); // a failure is not cached: the next run tries again
          const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          throw new SecretError(
            `SSM parameter ${name} could not be read (${why}); check it exists and the role may read it`,
            'ssm-failed',
          );
        });
        ssmCache.set(name, cached);
      }
      parts.push(cached);
    }
  }
  literals.push(value.slice(last));
  const resolved = await Promise.all(parts);
  for (const secret of resolved) registerSecret(secret);
  return literals.reduce((out, literal, index) => out + literal + (resolved[index] ?? ''), '');
}

/** Resolves placeholders in every string of a (config) object, returning a copy. */
export async function resolveSecretsDeep<T>(value: T, options: ResolveOptions = {}): Promise<T> {
  if (typeof value === 'string') return (await resolveSecrets(value, options)) as T;
  if (Array.isArray(value))
    return (await Promise.all(value.map((item) => resolveSecretsDeep(item, options)))) as T;
  if (value !== null && typeof value === 'object') {
    const entries = await Promise.all(
      Object.entries(value).map(
        async ([key, item]) => [key, await resolveSecretsDeep(item, options)] as const,
      ),
    );
    return Object.fromEntries(entries) as T;
  }
  return value;
}

/** Every placeholder in a config value, with the path of the string that holds it (`channels.ops.url`). */
export function* placeholdersIn(
  value: unknown,
  path = '',
): Generator<{ path: string; kind: 'env' | 'ssm'; name: string }> {
  if (typeof value === 'string') {
    for (const match of value.matchAll(PLACEHOLDER_GLOBAL_RE))
      yield { path, kind: match[1] as 'env' | 'ssm', name: match[2]! };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* placeholdersIn(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      yield* placeholdersIn(item, path ? `${path}.${key}` : key);
  }
}

/** SSM parameter names referenced anywhere in the config (infra/ scopes IAM to them). */
export function referencedSsmParameters(value: unknown): Set<string> {
  const out = new Set<string>();
  for (const placeholder of placeholdersIn(value)) if (placeholder.kind === 'ssm') out.add(placeholder.name);
  return out;
}

/** Test helper: forget cached SSM values. */
export function clearSecretCache(): void {
  ssmCache.clear();
}
