/** Lambda guardrails: supported runtime, one runtime per stack, bounded timeout, X-Ray per environment, its log group. */
import { resourcePolicy, stackPolicy, type Outcome, type PolicyInput } from "../lib/define";
import { describeSpec, envExpectation, known, matchesSpec } from "../lib/expect";
import { at, show, UNKNOWN } from "../lib/values";

export const FUNCTION = "aws:lambda/function:Function";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

const DEFAULT_ALLOWED = ["nodejs22.x", "python3.12", "python3.13"];
/** Runtimes AWS has deprecated (or announced), never allowed even if listed. */
const DEFAULT_DEPRECATED = [
  "nodejs20.x",
  "nodejs18.x",
  "nodejs16.x",
  "nodejs14.x",
  "nodejs12.x",
  "python3.9",
  "python3.8",
  "python3.7",
  "go1.x",
  "java8",
  "ruby2.7",
  "dotnet6",
];

/**
 * A container-image function (`packageType: "Image"`) has no runtime: its image carries it. True for one; an unknown
 * packageType with no runtime given is indeterminate (true, nothing else to check).
 */
function isImage(r: PolicyInput, out?: Outcome): boolean {
  const pt = r.props.packageType;
  if (pt === "Image") return true;
  if (pt === UNKNOWN && (r.props.runtime === undefined || r.props.runtime === "")) {
    out?.unknown(`${r.name}: packageType is unknown at preview (a container image has no runtime)`, r.urn);
    return true;
  }
  return false;
}

export const lambdaFunctionRuntimeAllowed = resourcePolicy<{ allowedRuntimes: string[]; deprecatedRuntimes: string[] }>(
  {
    name: "lambda-function-runtime-allowed",
    description:
      "A function's runtime is in the allowed list and not deprecated (container-image functions, `packageType: Image`, have none and are exempt).",
    why: "Deprecated runtimes stop receiving security patches and AWS eventually blocks updates to functions that use them.",
    severity: "high",
    remediationSteps:
      "Set `runtime` to an allowed runtime (default: nodejs22.x, python3.12, python3.13) and redeploy; update the handler if needed.",
    config: {
      allowedRuntimes: { type: "array", items: { type: "string" }, default: DEFAULT_ALLOWED },
      deprecatedRuntimes: { type: "array", items: { type: "string" }, default: DEFAULT_DEPRECATED },
    },
    defaults: { allowedRuntimes: DEFAULT_ALLOWED, deprecatedRuntimes: DEFAULT_DEPRECATED },
    types: [FUNCTION],
    check(r, { config }, out) {
      if (isImage(r, out)) return;
      const runtime = r.props.runtime;
      if (!known(out, r, "runtime", runtime)) return;
      if (typeof runtime === "string" && config.deprecatedRuntimes.includes(runtime))
        out.fail(
          `${r.name}: runtime ${runtime} is deprecated; use one of ${config.allowedRuntimes.join(", ")}.`,
          r.urn,
        );
      else if (typeof runtime !== "string" || !config.allowedRuntimes.includes(runtime))
        out.fail(
          `${r.name}: runtime ${show(runtime)} is not allowed; use one of ${config.allowedRuntimes.join(", ")}.`,
          r.urn,
        );
    },
  },
);

export const lambdaFunctionsSameRuntime = stackPolicy({
  name: "lambda-functions-same-runtime",
  description: "All functions of a stack use the same runtime.",
  why: "Mixed runtimes multiply patching, tooling and behaviour differences; one runtime per platform keeps environments comparable.",
  severity: "medium",
  remediationSteps: "Move every function to the same runtime (the platform's `lambdaRuntime` config).",
  types: [FUNCTION],
  check(resources, _ctx, out) {
    const fns = resources.filter((r) => r.type === FUNCTION && !isImage(r, out));
    const byRuntime = new Map<string, string[]>();
    for (const f of fns) {
      const rt = f.props.runtime;
      if (rt === UNKNOWN) {
        out.unknown(`${f.name}: runtime is unknown at preview`, f.urn);
        continue;
      }
      const key = show(rt);
      const names = byRuntime.get(key);
      if (names) names.push(f.name);
      else byRuntime.set(key, [f.name]);
    }
    if (byRuntime.size > 1) {
      out.fail(
        `functions use ${byRuntime.size} runtimes: ${[...byRuntime].map(([rt, names]) => `${rt} (${names.join(", ")})`).join("; ")}.`,
      );
    }
  },
});

export const lambdaFunctionTimeoutMax = resourcePolicy<{ maxTimeoutSeconds: number }>({
  name: "lambda-function-timeout-max",
  description: "A function's timeout is at most 300 seconds.",
  why: "Long timeouts hide hung calls, hold concurrency and exceed what queue visibility timeouts and callers expect.",
  severity: "medium",
  remediationSteps: "Set `timeout` ≤ 300 (seconds); split long work into steps or use a queue.",
  config: { maxTimeoutSeconds: { type: "integer", minimum: 1, maximum: 900, default: 300 } },
  defaults: { maxTimeoutSeconds: 300 },
  types: [FUNCTION],
  check(r, { config }, out) {
    const t = r.props.timeout ?? 3; // AWS default
    if (!known(out, r, "timeout", t)) return;
    if (typeof t !== "number" || t > config.maxTimeoutSeconds)
      out.fail(`${r.name}: timeout is ${show(t)} s, expected ≤ ${config.maxTimeoutSeconds} s.`, r.urn);
  },
});

export const lambdaFunctionXrayTracing = resourcePolicy<{ mode?: string; defaultMode: string }>({
  name: "lambda-function-xray-tracing",
  description: "A function's X-Ray tracing mode is the one its environment requires (from the consistency rules).",
  why: "Tracing where the environment requires it is what makes incidents diagnosable; the rules say where (e.g. Active in prod).",
  severity: "medium",
  remediationSteps:
    'Set `tracingConfig: { mode: "Active" }` (or the mode the rules expect for this environment) and grant xray:PutTraceSegments.',
  config: {
    mode: {
      type: "string",
      enum: ["Active", "PassThrough"],
      description: "Override the rules' expectation for this environment.",
    },
    defaultMode: {
      type: "string",
      enum: ["Active", "PassThrough"],
      default: "Active",
      description: "Expected when the rules say nothing.",
    },
  },
  defaults: { defaultMode: "Active" },
  types: [FUNCTION],
  check(r, ctx, out) {
    const exp = envExpectation(ctx, r, out, "tracingConfig.mode", {
      override: ctx.config.mode,
      fallback: ctx.config.defaultMode,
    });
    if (!exp) return;
    const mode = at(r.props, "tracingConfig.mode") ?? "PassThrough";
    if (!known(out, r, "tracingConfig.mode", mode)) return;
    if (!matchesSpec(exp.spec, mode))
      out.fail(
        `${r.name}: tracingConfig.mode is ${show(mode)}, expected ${describeSpec(exp.spec)} (${exp.source}).`,
        r.urn,
      );
  },
});

export const lambdaFunctionLogGroup = stackPolicy({
  name: "lambda-function-log-group",
  description: "Each function has its log group `/aws/lambda/<function name>` in the stack, and depends on it.",
  why: "If Lambda creates the log group itself it has no retention (logs kept forever) and is not destroyed with the stack; the dependency makes ours exist first.",
  severity: "medium",
  remediationSteps:
    "Create an aws.cloudwatch.LogGroup named `/aws/lambda/<function name>` with the environment's retention and pass it in the function's `dependsOn`.",
  types: [FUNCTION, LOG_GROUP],
  check(resources, _ctx, out) {
    const groups = resources.filter((r) => r.type === LOG_GROUP);
    const byName = new Map(groups.map((g) => [g.props.name, g]));
    const someUnknown = groups.some((g) => g.props.name === UNKNOWN);
    for (const f of resources.filter((r) => r.type === FUNCTION)) {
      const fnName = f.props.name;
      const custom = at(f.props, "loggingConfig.logGroup");
      if (!known(out, f, "name", fnName) || !known(out, f, "loggingConfig.logGroup", custom)) continue;
      const wanted = typeof custom === "string" ? custom : `/aws/lambda/${String(fnName)}`;
      const group = byName.get(wanted);
      if (!group) {
        if (someUnknown) out.unknown(`${f.name}: a log group name is unknown at preview, cannot find ${wanted}`, f.urn);
        else out.fail(`${f.name}: no log group named ${wanted} in the stack.`, f.urn);
        continue;
      }
      if (!f.dependencies.includes(group.urn))
        out.fail(
          `${f.name}: does not depend on its log group ${group.name}; add it to dependsOn so it is created first.`,
          f.urn,
        );
    }
  },
});

const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";
const PERMISSION = "aws:lambda/permission:Permission";

export const lambdaFunctionUrlAuth = resourcePolicy({
  name: "lambda-function-url-auth",
  description:
    "A Lambda function URL requires IAM authentication (`authorizationType: AWS_IAM`), never `NONE` (public).",
  why: "A function URL with authorization NONE lets anyone on the internet invoke the function, and bill its account.",
  severity: "critical",
  remediationSteps:
    'Set `authorizationType: "AWS_IAM"` on the aws.lambda.FunctionUrl and grant callers lambda:InvokeFunctionUrl; put a public endpoint behind API Gateway or CloudFront with auth.',
  types: [FUNCTION_URL],
  check(r, _ctx, out) {
    const t = r.props.authorizationType;
    if (!known(out, r, "authorizationType", t)) return;
    if (t !== "AWS_IAM")
      out.fail(`${r.name}: authorizationType is ${show(t)}: the function URL is public; use "AWS_IAM".`, r.urn);
  },
});

export const lambdaPermissionNotPublic = resourcePolicy({
  name: "lambda-permission-not-public",
  description: "A Lambda permission granting principal `*` is scoped by `sourceArn` or `sourceAccount`.",
  why: "A resource policy for principal `*` without a source condition lets every AWS account (or, for function URLs, anyone) invoke the function.",
  severity: "critical",
  remediationSteps:
    "Name the calling service principal (e.g. `s3.amazonaws.com`) and set `sourceArn` (the bucket, topic or rule ARN) or `sourceAccount`.",
  types: [PERMISSION],
  check(r, _ctx, out) {
    const p = r.props.principal;
    if (!known(out, r, "principal", p)) return;
    if (p !== "*") return;
    const src = [r.props.sourceArn, r.props.sourceAccount, r.props.principalOrgId];
    if (src.some((x) => typeof x === "string" && x !== "" && x !== UNKNOWN)) return;
    if (src.includes(UNKNOWN))
      return void out.unknown(`${r.name}: sourceArn/sourceAccount is unknown at preview`, r.urn);
    out.fail(
      `${r.name}: grants ${show(r.props.action ?? "lambda:InvokeFunction")} to principal "*" without sourceArn or sourceAccount (anyone can invoke).`,
      r.urn,
    );
  },
});

export const lambdaPolicies = [
  lambdaFunctionRuntimeAllowed,
  lambdaFunctionsSameRuntime,
  lambdaFunctionTimeoutMax,
  lambdaFunctionXrayTracing,
  lambdaFunctionLogGroup,
  lambdaFunctionUrlAuth,
  lambdaPermissionNotPublic,
];
