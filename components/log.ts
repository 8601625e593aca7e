/**
 * `@env-parity/components/log` — structured JSON logging for the Lambda handlers of both platforms (no Pulumi: esbuild
 * bundles it into each handler): one JSON object per line on stdout
 * (`{"level":"info","msg":"…","requestId":"…","env":"dev",…fields}`), filtered by `LOG_LEVEL`.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Minimum level written; defaults to `LOG_LEVEL` from the environment, else `info`. Unknown values mean `info`. */
  readonly level?: string;
  /** Written as `env`; defaults to `ENVIRONMENT`. */
  readonly env?: string;
  readonly requestId?: string;
  /** Where lines go (tests); defaults to stdout. */
  readonly sink?: (line: string) => void;
}

function parseLevel(value: string | undefined): LogLevel {
  const v = (value ?? "").toLowerCase();
  return v in ORDER ? (v as LogLevel) : "info";
}

/** Errors serialise to name/message (and AWS SDK status/fault) instead of `{}`. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const meta = (value as { $metadata?: { httpStatusCode?: number } }).$metadata;
    return {
      name: value.name,
      message: value.message,
      ...(meta?.httpStatusCode ? { status: meta.httpStatusCode } : {}),
    };
  }
  return value;
}

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = ORDER[parseLevel(options.level ?? process.env.LOG_LEVEL)];
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + "\n"));
  const head = { requestId: options.requestId, env: options.env ?? process.env.ENVIRONMENT };
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[level] < min) return;
    sink(JSON.stringify({ level, msg, ...head, ...base, ...fields, time: new Date().toISOString() }, replacer));
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
