/**
 * Structured JSON logs (Powertools Logger) where every message and attribute passes through `redact` before it
 * is written: a webhook URL or a resolved secret can't reach CloudWatch Logs even if a caller forgets.
 */
import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import { redact, redactValue } from './redact';

type FormatArgs = Parameters<LogFormatter['formatAttributes']>;

/** Powertools' standard keys, with redaction applied to everything a caller passes in. */
class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: FormatArgs[0], additional: FormatArgs[1]): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: redact(attributes.message),
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(redactValue(additional));
  }
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** A Logger for one vigil component (probe, webhook, cli). Level from POWERTOOLS_LOG_LEVEL unless given. */
export function createLogger(serviceName: string, logLevel?: LogLevel): Logger {
  return new Logger({
    serviceName,
    logFormatter: new RedactingLogFormatter(),
    ...(logLevel === undefined ? {} : { logLevel }),
  });
}

export type { Logger };
