/**
 * The HTTP transport of the http, json and prometheus kinds: one request through the HTTP engine (http.ts), then
 * what the response means: the status, the kind's inspection of the body and the conditions (interpret.ts, in the
 * inspection pool), and expect.maxDuration.
 */
import { resolveSecrets } from '../../config/secrets';
import { USER_AGENT } from '../../version';
import { type HttpOutcome, httpProbe } from '../http';
import { inspectResponse } from '../inspection-pool';
import { kindOf } from '../kinds';
import { describeStatus, statusMatches } from '../status';
import type { FailureReason, ProbeResult } from '../types';
import type { Transport } from './types';

export const http: Transport<'http'> = {
  name: 'http',
  async probe(target, config, ctx, timestamp) {
    const kind = kindOf(target);
    const headers: Record<string, string> = { accept: kind.accept };
    for (const [name, value] of Object.entries(target.headers)) {
      headers[name.toLowerCase()] = await resolveSecrets(value, ctx.secrets);
    }
    const url = await resolveSecrets(target.url, ctx.secrets);
    const body = target.body === undefined ? undefined : await resolveSecrets(target.body, ctx.secrets);

    const outcome: HttpOutcome = await httpProbe({
      url,
      method: target.method,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: target.timeout ?? config.probe.timeout,
      maxBodyBytes: target.maxBodySize ?? config.probe.maxBodySize,
      maxRedirects: target.maxRedirects ?? config.probe.maxRedirects,
      followRedirects: target.followRedirects,
      allowLinkLocal: target.allowLinkLocal,
      insecureSkipVerify: target.insecureSkipVerify,
      userAgent: USER_AGENT,
      signal: ctx.signal,
      ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
      ...(ctx.agent ? { agent: ctx.agent } : {}),
      ...(ctx.ca ? { ca: ctx.ca } : {}),
    });

    const common = {
      target: target.name,
      type: target.type,
      timestamp,
      durationMs: outcome.durationMs,
      phases: outcome.phases,
      redirects: outcome.redirects,
      ...(outcome.status === undefined ? {} : { statusCode: outcome.status }),
      ...(outcome.certExpiryDays === undefined ? {} : { certExpiryDays: outcome.certExpiryDays }),
    };
    if (!outcome.ok) {
      return {
        ...common,
        success: false,
        reason: outcome.reason,
        detail: outcome.detail,
        values: [],
        warnings: [],
      };
    }
    const fail = (reason: FailureReason, detail: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({
      ...common,
      bodyBytes: outcome.bodyBytes,
      values: [],
      warnings: [],
      ...extra,
      success: false,
      reason,
      detail,
    });

    if (!statusMatches(outcome.status, target.expect.status)) {
      return fail('status', `status (${outcome.status}) not in ${describeStatus(target.expect.status)}`);
    }

    const { inspection, failedConditions } = await inspectResponse(
      {
        target,
        response: outcome,
        durationMs: outcome.durationMs,
        maxSeries: target.maxSeries ?? config.probe.maxSeries,
        atMs: timestamp.getTime(),
        history: ctx.history ?? [],
      },
      ctx.signal,
    );
    if (inspection.recorded) ctx.record?.(inspection.recorded);
    const partial = { values: inspection.values, warnings: inspection.warnings };
    if (inspection.failure?.reason === 'deadline') return fail('deadline', inspection.failure.detail);
    if (inspection.failure?.reason === 'parse') return fail('parse', inspection.failure.detail, partial);
    if (failedConditions.length > 0) return fail('condition', failedConditions.join('; '), partial);
    if (inspection.failure) return fail(inspection.failure.reason, inspection.failure.detail, partial);

    const maxDuration = target.expect.maxDuration;
    if (maxDuration !== undefined && outcome.durationMs > maxDuration) {
      return fail('duration', `duration (${Math.round(outcome.durationMs)}ms) > ${maxDuration}ms`, partial);
    }
    return { ...common, bodyBytes: outcome.bodyBytes, success: true, ...partial };
  },
};
