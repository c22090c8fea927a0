// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ssm:..} are vigil's secret placeholders, not templates
import { parseConfig } from '../../../functions/config/load';
import {
  probeRole,
  probeSchedulerRole,
  snsTopicArns,
  sweepRole,
  sweepSchedulerRole,
  webhookRole,
} from '../../../infra/iam';
import { statementsOf } from './helpers';

const base = `
targets:
  - name: api
    url: http://127.0.0.1:3000/health
    headers: { Authorization: "Bearer \${ssm:/vigil/api/token}" }
`;

const withChannels = parseConfig(`${base}
webhook:
  token: \${ssm:/vigil/webhook}
channels:
  pager: { type: sns, topicArn: arn:aws:sns:eu-west-1:123456789012:pager }
  audit: { type: sns, topicArn: arn:aws:sns:us-east-1:123456789012:audit.fifo }
`);

/** Flattens Fn::Join parts to text with ${Pseudo} markers, so ARNs read as strings. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(text).join(',');
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `\${${String(object.Ref)}}`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(text).join(separator);
  }
  if ('Fn::GetAtt' in object) return `\${${(object['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(value);
}

describe('least-privilege IAM', () => {
  it('lets the probe put metrics only into the configured namespace', () => {
    const put = statementsOf(probeRole(parseConfig(`namespace: Team/Probes\n${base}`))).find(
      (statement) => statement.Action === 'cloudwatch:PutMetricData',
    );
    expect(put).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Team/Probes' } },
    });
  });

  it('lets the probe read and write its state objects only, under the state prefix', () => {
    const statements = statementsOf(probeRole(withChannels)).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    expect(
      statements.map((statement) => [statement.Action, text(statement.Resource), statement.Condition]),
    ).toEqual([
      [['s3:GetObject', 's3:PutObject'], '${VigilStateBucket.Arn}/probe-state/*', undefined],
      // Without ListBucket a missing object is 403, not the 404 that means "first round".
      ['s3:ListBucket', '${VigilStateBucket.Arn}', { StringLike: { 's3:prefix': 'probe-state/*' } }],
    ]);
    const webhookS3 = statementsOf(webhookRole(withChannels)).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    expect(webhookS3).toEqual([]);
  });

  it('grants * nowhere else', () => {
    for (const role of [probeRole(withChannels), webhookRole(withChannels), probeSchedulerRole()]) {
      for (const statement of statementsOf(role)) {
        if (statement.Action !== 'cloudwatch:PutMetricData') expect(text(statement.Resource)).not.toBe('*');
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        for (const action of actions) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('lets the webhook publish only to the SNS topics the config names', () => {
    expect(snsTopicArns(withChannels)).toEqual([
      'arn:aws:sns:eu-west-1:123456789012:pager',
      'arn:aws:sns:us-east-1:123456789012:audit.fifo',
    ]);
    const publish = statementsOf(webhookRole(withChannels)).filter(
      (statement) => statement.Action === 'sns:Publish',
    );
    expect(publish).toEqual([expect.objectContaining({ Resource: snsTopicArns(withChannels) })]);
    expect(
      statementsOf(probeRole(withChannels)).some((statement) => statement.Action === 'sns:Publish'),
    ).toBe(false);
  });

  it('gives no sns:Publish at all without SNS channels', () => {
    const statements = statementsOf(webhookRole(parseConfig(base)));
    expect(statements.some((statement) => statement.Action === 'sns:Publish')).toBe(false);
  });

  it('lets the webhook send to the dead-letter queue only', () => {
    const send = statementsOf(webhookRole(withChannels)).filter((statement) =>
      String(statement.Action).startsWith('sqs:'),
    );
    expect(send).toEqual([
      expect.objectContaining({
        Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': ['VigilDeadLetterQueue', 'Arn'] },
      }),
    ]);
  });

  it('reads exactly the SSM parameters the config references, and decrypts only through SSM', () => {
    for (const role of [probeRole(withChannels), webhookRole(withChannels)]) {
      const statements = statementsOf(role);
      const read = statements.find((statement) => statement.Sid === 'ReadReferencedParameters')!;
      expect(read.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
      expect((read.Resource as unknown[]).map(text)).toEqual([
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/vigil/api/token',
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/vigil/webhook',
      ]);
      const decrypt = statements.find((statement) => statement.Action === 'kms:Decrypt')!;
      expect(text(decrypt.Resource)).toBe('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*');
      expect(
        text((decrypt.Condition as { StringEquals: Record<string, unknown> }).StringEquals['kms:ViaService']),
      ).toBe('ssm.${AWS::Region}.amazonaws.com');
    }
  });

  it('has no SSM or KMS statement when the config references no parameter', () => {
    const config = parseConfig('targets: [{ name: api, url: "http://127.0.0.1:3000/" }]');
    const actions = [...statementsOf(probeRole(config)), ...statementsOf(webhookRole(config))].flatMap(
      (statement) => statement.Action,
    );
    expect(actions.filter((action) => /^(ssm|kms):/.test(action))).toEqual([]);
  });

  it('writes logs only to the function’s own log group', () => {
    expect(statementsOf(probeRole(withChannels))[0]).toMatchObject({
      Resource: { 'Fn::GetAtt': ['ProbeLogGroup', 'Arn'] },
    });
    expect(statementsOf(webhookRole(withChannels))[0]).toMatchObject({
      Resource: { 'Fn::GetAtt': ['WebhookLogGroup', 'Arn'] },
    });
  });

  it('lets the scheduler invoke the probe function and nothing else, for this account only', () => {
    const scheduler = probeSchedulerRole();
    expect(statementsOf(scheduler)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': ['ProbeLambdaFunction', 'Arn'] },
      }),
    ]);
    expect(scheduler.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
  });

  it.each([
    ['webhook', () => webhookRole(withChannels)],
    ['sweep', () => sweepRole(withChannels)],
  ])(
    'lets the %s read and write the alert state table only, with the item operations the store makes',
    (_name, make) => {
      const dynamo = statementsOf(make()).filter((statement) =>
        String(statement.Action).includes('dynamodb:'),
      );
      expect(dynamo).toEqual([
        expect.objectContaining({
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
          Resource: { 'Fn::GetAtt': ['VigilAlertStateTable', 'Arn'] },
        }),
      ]);
    },
  );

  it('gives the probe no access to the alert state', () => {
    expect(JSON.stringify(probeRole(withChannels))).not.toContain('dynamodb');
  });

  it('lets the sweep scheduler invoke the sweep function and nothing else', () => {
    expect(statementsOf(sweepSchedulerRole())).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] },
      }),
    ]);
  });
});
