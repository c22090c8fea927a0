/**
 * Loopback SSM Parameter Store: GetParameter as `@aws-sdk/client-ssm` calls it (AWS JSON 1.1,
 * `x-amz-target: AmazonSSM.GetParameter`), serving a fixed map; anything else is `ParameterNotFound`.
 */
import { AwsServiceError, FAKE_REGION, type FakeAwsServer, isRecord, startAwsJsonServer } from './aws';

const ACCOUNT_ID = '000000000000';

export type SsmParameterType = 'String' | 'StringList' | 'SecureString';

export interface SsmParameter {
  value: string;
  type?: SsmParameterType;
  version?: number;
}

export interface FakeSsm extends FakeAwsServer {
  /** Names asked for, in order (to assert caching). */
  readonly calls: { name: string; withDecryption: boolean }[];
  /** Adds or replaces a parameter (bumping its version). */
  put(name: string, parameter: SsmParameter | string): void;
}

export async function startFakeSsm(parameters: Record<string, SsmParameter | string> = {}): Promise<FakeSsm> {
  const store = new Map<string, Required<SsmParameter> & { modified: Date }>();
  const calls: { name: string; withDecryption: boolean }[] = [];
  const put = (name: string, parameter: SsmParameter | string) => {
    const p = typeof parameter === 'string' ? { value: parameter } : parameter;
    store.set(name, {
      value: p.value,
      type: p.type ?? 'String',
      version: p.version ?? (store.get(name)?.version ?? 0) + 1,
      modified: new Date(),
    });
  };
  for (const [name, parameter] of Object.entries(parameters)) put(name, parameter);

  const server = await startAwsJsonServer({
    contentType: 'application/x-amz-json-1.1',
    signingName: 'ssm',
    queryCompatible: false,
    handle(request) {
      if (request.target !== 'AmazonSSM.GetParameter') {
        throw new AwsServiceError(400, 'UnknownOperationException', `unknown target ${request.target}`);
      }
      const body = isRecord(request.body) ? request.body : {};
      if (typeof body.Name !== 'string' || body.Name.length === 0) {
        throw new AwsServiceError(
          400,
          'ValidationException',
          "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
        );
      }
      const withDecryption = body.WithDecryption === true;
      calls.push({ name: body.Name, withDecryption });
      // Accept a full ARN as well as a name, as SSM does.
      const name = body.Name.replace(/^arn:aws:ssm:[^:]+:\d+:parameter(?=\/)/, '');
      const found = store.get(name);
      if (!found) throw new AwsServiceError(400, 'ParameterNotFound', '');
      const encrypted = found.type === 'SecureString' && !withDecryption;
      return {
        body: {
          Parameter: {
            Name: name,
            Type: found.type,
            // Without decryption SSM returns the KMS ciphertext; an opaque base64 blob stands in for it.
            Value: encrypted ? Buffer.from(`kms-ciphertext:${name}`).toString('base64') : found.value,
            Version: found.version,
            LastModifiedDate: found.modified.getTime() / 1000,
            ARN: `arn:aws:ssm:${FAKE_REGION}:${ACCOUNT_ID}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
            DataType: 'text',
          },
        },
      };
    },
  });

  return { ...server, calls, put };
}
