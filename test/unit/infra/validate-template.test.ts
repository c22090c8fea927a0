// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings hold CloudFormation ${} variables
import { validateTemplate } from '../../../infra/validate-template';

/** A small template that is right; each case breaks one thing. */
function good(): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600 } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Alarm: {
        Type: 'AWS::CloudWatch::Alarm',
        DependsOn: ['Queue'],
        Properties: {
          AlarmName: 'a',
          Namespace: 'Vigil',
          MetricName: 'ProbeSuccess',
          Dimensions: [{ Name: 'Target', Value: 'api' }],
          Statistic: 'Minimum',
          Period: 60,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
          AlarmActions: [{ Ref: 'Topic' }],
          OKActions: [{ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:x' }],
          AlarmDescription: { 'Fn::Join': ['', ['queue ', { 'Fn::GetAtt': ['Queue', 'Arn'] }]] },
        },
      },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          Policies: [
            { PolicyName: 'p', PolicyDocument: { Statement: [{ Resource: { 'Fn::GetAtt': 'Queue.Arn' } }] } },
          ],
        },
      },
    },
    Outputs: {
      QueueUrl: { Value: { Ref: 'Queue' } },
      Sub: { Value: { 'Fn::Sub': '${Queue.Arn} ${!Literal}' } },
    },
  };
}

type Template = ReturnType<typeof good>;
type Mutation = (
  template: Template & {
    Resources: Record<string, { Properties: Record<string, unknown> } & Record<string, unknown>>;
  },
) => void;

describe('template validation against the CloudFormation resource specification', () => {
  it('accepts a correct template', () => {
    expect(validateTemplate(good())).toEqual([]);
  });

  it.each<[string, Mutation, string, RegExp]>([
    [
      'an unknown resource type',
      (t) => {
        t.Resources.Topic!.Type = 'AWS::SNS::Topik';
      },
      'Resources.Topic.Type',
      /unknown resource type "AWS::SNS::Topik"/,
    ],
    [
      'an unknown property',
      (t) => {
        t.Resources.Queue!.Properties.Bogus = 1;
      },
      'Resources.Queue.Properties.Bogus',
      /unknown property "Bogus"/,
    ],
    [
      'a missing required property',
      (t) => {
        delete t.Resources.Role!.Properties.AssumeRolePolicyDocument;
      },
      'Resources.Role.Properties.AssumeRolePolicyDocument',
      /required property/,
    ],
    [
      'a number that is not one',
      (t) => {
        t.Resources.Alarm!.Properties.Threshold = 'abc';
      },
      'Resources.Alarm.Properties.Threshold',
      /expected a number/,
    ],
    [
      'an integer that is a fraction',
      (t) => {
        t.Resources.Alarm!.Properties.EvaluationPeriods = 1.5;
      },
      'Resources.Alarm.Properties.EvaluationPeriods',
      /expected an integer/,
    ],
    [
      'a string that is an object',
      (t) => {
        t.Resources.Alarm!.Properties.AlarmName = { a: 1 };
      },
      'Resources.Alarm.Properties.AlarmName',
      /expected a string/,
    ],
    [
      'a list that is a string',
      (t) => {
        t.Resources.Alarm!.Properties.AlarmActions = 'arn:x';
      },
      'Resources.Alarm.Properties.AlarmActions',
      /expected a list/,
    ],
    [
      'a nested required property',
      (t) => {
        t.Resources.Alarm!.Properties.Dimensions = [{ Name: 'Target' }];
      },
      'Resources.Alarm.Properties.Dimensions[0].Value',
      /required property/,
    ],
    [
      'a nested unknown property',
      (t) => {
        t.Resources.Alarm!.Properties.Dimensions = [{ Name: 'T', Value: 'v', Extra: 1 }];
      },
      'Resources.Alarm.Properties.Dimensions[0].Extra',
      /unknown property/,
    ],
    [
      'a Ref to nothing',
      (t) => {
        t.Resources.Alarm!.Properties.AlarmActions = [{ Ref: 'Nope' }];
      },
      'Resources.Alarm.Properties.AlarmActions[0].Ref',
      /Ref to "Nope"/,
    ],
    [
      'a GetAtt of a missing attribute',
      (t) => {
        t.Resources.Alarm!.Properties.AlarmDescription = { 'Fn::GetAtt': ['Queue', 'Nope'] };
      },
      'Resources.Alarm.Properties.AlarmDescription.Fn::GetAtt',
      /AWS::SQS::Queue has no attribute "Nope"/,
    ],
    [
      'a GetAtt of a missing resource',
      (t) => {
        t.Resources.Alarm!.Properties.AlarmDescription = { 'Fn::GetAtt': 'Gone.Arn' };
      },
      'Resources.Alarm.Properties.AlarmDescription.Fn::GetAtt',
      /not a resource/,
    ],
    [
      'a Fn::Sub variable naming nothing',
      (t) => {
        t.Resources.Alarm!.Properties.AlarmDescription = { 'Fn::Sub': '${Missing}' };
      },
      'Resources.Alarm.Properties.AlarmDescription.Fn::Sub',
      /Ref to "Missing"/,
    ],
    [
      'a DependsOn on nothing',
      (t) => {
        t.Resources.Alarm!.DependsOn = ['Gone'];
      },
      'Resources.Alarm.DependsOn',
      /not a resource/,
    ],
    [
      'an unknown resource attribute',
      (t) => {
        t.Resources.Queue!.Propertys = {};
      },
      'Resources.Queue.Propertys',
      /unknown resource attribute/,
    ],
    [
      'a bad logical ID',
      (t) => {
        t.Resources['my-queue'] = t.Resources.Queue!;
      },
      'Resources.my-queue',
      /letters and digits/,
    ],
    [
      'an output without a value',
      (t) => {
        (t.Outputs as Record<string, unknown>).Empty = {};
      },
      'Outputs.Empty',
      /needs a Value/,
    ],
  ])('rejects %s', (_name, mutate, path, message) => {
    const template = good() as Parameters<Mutation>[0];
    mutate(template);
    const problems = validateTemplate(template);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('rejects a template without resources', () => {
    expect(validateTemplate({ Resources: {} })).toEqual([
      { path: 'Resources', message: expect.stringMatching(/at least one/) },
    ]);
  });
});
