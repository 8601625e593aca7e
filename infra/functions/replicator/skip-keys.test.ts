import type { Approval } from "../../../consistency-rules/src/rules";
import { configSkipKeys, replicatedKeys } from "./skip-keys";
import { formatSkipKeys, isSkippedKey, keyOf, parameterName, parseSkipKeys } from "./keys";

const approval = (over: Partial<Approval>): Approval => ({
  id: "a",
  type: "config",
  resource: "config",
  path: "logLevel",
  values: { dev: "debug", staging: "info", prod: "warn" },
  reason: "more detail where it is cheap",
  owner: "platform-team",
  ...over,
});

describe("configSkipKeys (from consistency rules)", () => {
  const now = new Date("2026-06-01T00:00:00Z");

  it("takes the keys of config approvals only, strips namespace and the app-config object, sorted and unique", () => {
    const keys = configSkipKeys(
      [
        approval({ path: "logLevel" }),
        approval({ path: "data-platform:vpcCidr" }),
        approval({ path: "appConfig.batchSize" }),
        approval({ path: "data-platform:appConfig.endpoint*" }),
        approval({ path: "logLevel" }),
        approval({ type: "aws:lambda/function:Function", resource: "ingest-validator-function", path: "memorySize" }),
      ],
      { project: "data-platform", now },
    );
    expect(keys).toEqual(["batchSize", "endpoint*", "logLevel", "vpcCidr"]);
  });

  it("replicates keys whose approval expired (an expired approval approves nothing)", () => {
    const keys = configSkipKeys(
      [approval({ path: "a", expires: "2026-05-31" }), approval({ path: "b", expires: "2026-06-01" })],
      { project: "data-platform", now },
    );
    expect(keys).toEqual(["b"]);
  });

  it("splits app config keys into replicated and skipped, globs included", () => {
    expect(replicatedKeys(["batchSize", "endpointUrl", "endpointKey", "featureX"], ["batchSize", "endpoint*"])).toEqual(
      ["featureX"],
    );
  });
});

describe("keys", () => {
  it("round-trips SKIP_KEYS and ignores blanks", () => {
    expect(parseSkipKeys(formatSkipKeys(["a", "b*"]))).toEqual(["a", "b*"]);
    expect(parseSkipKeys(" a, ,b ")).toEqual(["a", "b"]);
    expect(parseSkipKeys(undefined)).toEqual([]);
  });

  it("matches exact keys and globs, nothing else", () => {
    expect(isSkippedKey("logLevel", ["logLevel"])).toBe(true);
    expect(isSkippedKey("logLevelX", ["logLevel"])).toBe(false);
    expect(isSkippedKey("endpointUrl", ["endpoint*"])).toBe(true);
    expect(isSkippedKey("anything", [])).toBe(false);
  });

  it("maps names and keys of one project/env only", () => {
    expect(parameterName("data-platform", "dev", "batchSize")).toBe("/data-platform/dev/batchSize");
    expect(keyOf("/data-platform/prod/batchSize", "data-platform", "prod")).toBe("batchSize");
    expect(keyOf("/data-platform/prod/a/b", "data-platform", "prod")).toBe("a/b");
    expect(keyOf("/data-platform/dev/batchSize", "data-platform", "prod")).toBeUndefined();
    expect(keyOf("/data-platform/prod/", "data-platform", "prod")).toBeUndefined();
    expect(keyOf("/other/prod/x", "data-platform", "prod")).toBeUndefined();
  });
});
