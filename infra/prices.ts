/**
 * AWS's public list prices in us-east-1 that a vigil deployment's bill is made of, each with where it is from and
 * when it was checked, and the list prices of two peers for the same work. `vigil infra cost` (infra/cost.ts) is
 * the only reader; the README quotes its output, not these numbers. Free tiers are not applied: they are per
 * account, and most accounts spend them elsewhere (the report names the ones that may apply).
 */

export interface Price {
  /** US dollars per `per` units. */
  usd: number;
  per: number;
  unit: string;
  source: string;
  /** When the figure was last checked against the source (YYYY-MM). */
  checked: string;
}

const AWS_REFERENCE = 'vigil /work/shared/reference/aws.md (from AWS documentation)';

export const PRICES = {
  lambdaGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-s (arm64)',
    source: `https://aws.amazon.com/lambda/pricing/ (${AWS_REFERENCE}); INIT billed since 2025-08-01 (AWS Compute Blog, "AWS Lambda standardizes billing for INIT phase")`,
    checked: '2026-11',
  },
  lambdaRequest: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'requests',
    source: `https://aws.amazon.com/lambda/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  schedulerInvocation: {
    usd: 1,
    per: 1_000_000,
    unit: 'invocations (after 14 M free a month)',
    source: `https://aws.amazon.com/eventbridge/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  sqsRequest: {
    usd: 0.4,
    per: 1_000_000,
    unit: 'standard-queue requests (64 KB chunks)',
    source: 'https://aws.amazon.com/sqs/pricing/ (as quoted by cloudburn.io, "Amazon SQS Pricing", 2026-03)',
    checked: '2026-12',
  },
  s3Put: {
    usd: 0.005,
    per: 1_000,
    unit: 'PUT/COPY/POST/LIST requests (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
    checked: '2026-12',
  },
  s3Get: {
    usd: 0.0004,
    per: 1_000,
    unit: 'GET requests (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
    checked: '2026-12',
  },
  s3Storage: {
    usd: 0.023,
    per: 1,
    unit: 'GB-month (S3 Standard, first 50 TB)',
    source: 'https://aws.amazon.com/s3/pricing/',
    checked: '2026-12',
  },
  dynamoWrite: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'write request units (on demand, 1 KB each)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the 2024-11 price cut, as quoted by airbyte.com, "DynamoDB pricing", 2025-07)',
    checked: '2026-12',
  },
  dynamoRead: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'read request units (on demand, 4 KB strongly consistent)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (as above)',
    checked: '2026-12',
  },
  putMetricData: {
    usd: 0.01,
    per: 1_000,
    unit: 'PutMetricData requests',
    source: `https://aws.amazon.com/cloudwatch/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  alarmMetric: {
    usd: 0.1,
    per: 1,
    unit: 'standard-resolution alarm metric-months (a metric-math alarm pays per metric it reads)',
    source: `https://aws.amazon.com/cloudwatch/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  dashboard: {
    usd: 3,
    per: 1,
    unit: 'dashboard-months',
    source: `https://aws.amazon.com/cloudwatch/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  logIngestion: {
    usd: 0.5,
    per: 1,
    unit: 'GB ingested (standard log class)',
    source: `https://aws.amazon.com/cloudwatch/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  logStorage: {
    usd: 0.03,
    per: 1,
    unit: 'GB-month archived',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    checked: '2026-12',
  },
  snsPublish: {
    usd: 0.5,
    per: 1_000_000,
    unit: 'publishes (deliveries to Lambda are free)',
    source: `https://aws.amazon.com/sns/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  syntheticsCanaryRun: {
    usd: 0.0012,
    per: 1,
    unit: 'canary runs',
    source: `https://aws.amazon.com/cloudwatch/pricing/ (${AWS_REFERENCE})`,
    checked: '2026-11',
  },
  checklyApiCheckRun: {
    usd: 2,
    per: 10_000,
    unit: 'API check runs (prepaid bundles; overage is dearer)',
    source: 'https://docs.checklyhq.com/docs/monitoring/check-pricing',
    checked: '2026-12',
  },
} as const satisfies Record<string, Price>;

/** CloudWatch custom metrics, per metric-month, tiered by the account's total (the first tier from metric 1). */
export const CUSTOM_METRIC_TIERS: readonly { upTo: number; usd: number }[] = [
  { upTo: 10_000, usd: 0.3 },
  { upTo: 250_000, usd: 0.1 },
  { upTo: 1_000_000, usd: 0.05 },
  { upTo: Number.POSITIVE_INFINITY, usd: 0.02 },
];
export const CUSTOM_METRIC_SOURCE = `https://aws.amazon.com/cloudwatch/pricing/ (${AWS_REFERENCE}), checked 2026-11`;

/** What applies per account and is left out of every figure (see the file comment). */
export const FREE_TIERS =
  'Lambda 400,000 GB-s and 1 M requests, SQS 1 M requests, SNS 1 M publishes, Scheduler 14 M invocations, CloudWatch 10 metrics, 10 alarms, 3 dashboards, 1 M API requests and 5 GB of logs a month';

/** The cost of `quantity` units at `price`. */
export function priced(price: Price, quantity: number): number {
  return (quantity / price.per) * price.usd;
}

/** Custom metrics at the tiered price. */
export function customMetricsUsd(metrics: number): number {
  let usd = 0;
  let from = 0;
  for (const tier of CUSTOM_METRIC_TIERS) {
    const here = Math.max(0, Math.min(metrics, tier.upTo) - from);
    usd += here * tier.usd;
    from = tier.upTo;
    if (metrics <= tier.upTo) break;
  }
  return usd;
}
