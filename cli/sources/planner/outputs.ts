/**
 * What the mock provider answers a registration with, as a preview would: the checked inputs (auto-names filled in
 * as the AWS provider fills them) plus the outputs that are derivable from them; everything else stays unknown (the
 * SDK resolves an output the mock does not return as unknown during a preview).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** A stable UUID-shaped id derived from a name. */
export function uuidOf(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The auto-name the AWS provider gives a resource whose name property the program left unset: `<name>-<7 hex>`
 * (Pulumi's default pattern `${name}-${hex(7)}`), the hex random under the engine and here derived from the stack,
 * type and name so that a plan is reproducible. S3 bucket names are lower-cased, as the provider does.
 */
export function autoName(stack: string, type: string, name: string): string {
  const hex = createHash("sha256").update(`${stack}\0${type}\0${name}`).digest("hex").slice(0, 7);
  const n = `${name}-${hex}`;
  return /^aws:s3\/bucket(V2)?:/.test(type) ? n.toLowerCase() : n;
}

/** Per type token: the auto-named input of that resource (`name`, `bucket` for S3 buckets) or undefined. */
const autoNameKeys = new Map<string, string | undefined>();

/**
 * Reads the resource's `Args` declaration from the installed `@pulumi/aws` (the provider's schema as the SDK
 * publishes it): a resource with an optional `name` input (or `bucket` for S3 buckets) is auto-named.
 */
export function autoNameKey(awsDir: string | undefined, type: string): string | undefined {
  if (autoNameKeys.has(type)) return autoNameKeys.get(type);
  let key: string | undefined;
  const m = /^aws:([A-Za-z0-9]+)\/([A-Za-z0-9]+):([A-Za-z0-9]+)$/.exec(type);
  if (awsDir && m) {
    try {
      const dts = fs.readFileSync(path.join(awsDir, m[1], `${m[2]}.d.ts`), "utf8");
      const args = new RegExp(`export interface ${m[3]}Args \\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1] ?? "";
      const wanted = /^s3\/bucket(V2)?$/.test(`${m[1]}/${m[2]}`) ? "bucket" : "name";
      if (new RegExp(`\\n\\s*(?:readonly )?${wanted}\\?:`).test(args)) key = wanted;
    } catch {
      key = undefined;
    }
  }
  autoNameKeys.set(type, key);
  return key;
}

/** The inputs with the auto-name filled in where the provider would fill it (no name and no namePrefix given). */
export function withAutoName(
  awsDir: string | undefined,
  stack: string,
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const key = type.startsWith("aws:") ? autoNameKey(awsDir, type) : undefined;
  if (!key || inputs[key] !== undefined || inputs[`${key}Prefix`] !== undefined) return inputs;
  return { ...inputs, [key]: autoName(stack, type, name) };
}

/** Realistic, deterministic outputs of an AWS resource built from its name, account and region. */
export function mockOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  account: string,
  region: string,
): { id: string; state: Record<string, unknown> } {
  const phys = (key: string) => (typeof inputs[key] === "string" ? (inputs[key] as string) : name);
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const b = phys("bucket");
      return {
        id: b,
        state: { bucket: b, arn: `arn:aws:s3:::${b}`, bucketDomainName: `${b}.s3.amazonaws.com`, region },
      };
    }
    case "aws:sqs/queue:Queue": {
      const q = phys("name");
      const url = `https://sqs.${region}.amazonaws.com/${account}/${q}`;
      return { id: url, state: { name: q, arn: `arn:aws:sqs:${region}:${account}:${q}`, url } };
    }
    case "aws:dynamodb/table:Table": {
      const t = phys("name");
      return { id: t, state: { name: t, arn: `arn:aws:dynamodb:${region}:${account}:table/${t}` } };
    }
    case "aws:lambda/function:Function": {
      const f = phys("name");
      const arn = `arn:aws:lambda:${region}:${account}:function:${f}`;
      return {
        id: f,
        state: {
          name: f,
          arn,
          qualifiedArn: `${arn}:$LATEST`,
          version: "$LATEST",
          invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        },
      };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const g = phys("name");
      return { id: g, state: { name: g, arn: `arn:aws:logs:${region}:${account}:log-group:${g}` } };
    }
    case "aws:iam/role:Role": {
      const r = phys("name");
      return {
        id: r,
        state: {
          name: r,
          arn: `arn:aws:iam::${account}:role/${r}`,
          uniqueId: `AROA${createHash("sha1").update(r).digest("hex").slice(0, 17).toUpperCase()}`,
        },
      };
    }
    case "aws:iam/rolePolicy:RolePolicy":
      return { id: `${inputs.role}:${phys("name")}`, state: { name: phys("name") } };
    case "aws:sns/topic:Topic": {
      const t = phys("name");
      const arn = `arn:aws:sns:${region}:${account}:${t}`;
      return { id: arn, state: { name: t, arn } };
    }
    case "aws:cloudwatch/eventRule:EventRule": {
      const r = phys("name");
      return { id: r, state: { name: r, arn: `arn:aws:events:${region}:${account}:rule/${r}` } };
    }
    case "aws:sns/topicSubscription:TopicSubscription": {
      const arn = `${inputs.topic}:${uuidOf(name)}`;
      return { id: arn, state: { arn } };
    }
    default: {
      if (type.startsWith("pulumi:providers:")) return { id: uuidOf(name), state: {} };
      const [, mod] = type.split(":");
      const service = (mod ?? "x").split("/")[0];
      return { id: `${name}-id`, state: { arn: `arn:aws:${service}:${region}:${account}:${name}` } };
    }
  }
}
