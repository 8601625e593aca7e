/** FunctionRole: a Lambda execution role with one inline least-privilege policy. */
import { mockRuntime, TAGS } from "./mocks";
import { FunctionRole, type WildcardCheck } from "@env-parity/components";

const rt = mockRuntime();
// Allows exactly one wildcard: X-Ray, which supports no resource-level permissions.
const allowed: WildcardCheck = (actions, resource) =>
  resource === "*" && actions.every((a) => a.startsWith("xray:")) ? { id: "xray-any" } : undefined;
let role: FunctionRole;

beforeAll(async () => {
  role = new FunctionRole("dev-svc-fn-iam", {
    resourceName: "dev-svc-fn-role",
    roleName: "dev-svc-fn-role-x1",
    grants: [
      { sid: "Put", actions: ["dynamodb:PutItem"], resources: ["arn:aws:dynamodb:us-east-2:111111111111:table/t-x1"] },
      { sid: "Trace", actions: ["xray:PutTraceSegments"], resources: ["*"] },
    ],
    iamExceptions: allowed,
    tags: TAGS,
  });
  await rt.settle();
});

describe("FunctionRole", () => {
  it("a role only Lambda can assume", () => {
    const r = rt.one("aws:iam/role:Role", "dev-svc-fn-role");
    expect(r.inputs.name).toBe("dev-svc-fn-role-x1");
    expect(r.inputs.tags).toEqual(TAGS);
    expect(JSON.parse(r.inputs.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  it("one inline policy `<role>-policy` with exactly the grants", () => {
    const p = rt.one("aws:iam/rolePolicy:RolePolicy", "dev-svc-fn-role-policy");
    expect(p.inputs).toMatchObject({ name: "dev-svc-fn-role-x1-policy", role: "dev-svc-fn-role-id" });
    expect(JSON.parse(p.inputs.policy).Statement).toEqual([
      {
        Sid: "Put",
        Effect: "Allow",
        Action: ["dynamodb:PutItem"],
        Resource: ["arn:aws:dynamodb:us-east-2:111111111111:table/t-x1"],
      },
      { Sid: "Trace", Effect: "Allow", Action: ["xray:PutTraceSegments"], Resource: ["*"] },
    ]);
  });

  it("parents role and policy in the component and registers the role ARN", () => {
    const component = rt.one("env-parity:iam:FunctionRole", "dev-svc-fn-iam");
    expect(
      rt.registered
        .filter((r) => r.parent === component.urn)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["dev-svc-fn-role", "dev-svc-fn-role-policy"]);
    expect(component.outputs).toEqual({ roleArn: "arn:aws:mock:::dev-svc-fn-role-x1" });
    expect(role.role).toBeDefined();
  });

  it("refuses a wildcard the exceptions do not cover: the policy is never registered", () => {
    expect(
      () =>
        new FunctionRole("bad", {
          resourceName: "bad-role",
          roleName: "bad-role-x1",
          grants: [{ sid: "Any", actions: ["dynamodb:PutItem"], resources: ["*"] }],
          iamExceptions: allowed,
          tags: TAGS,
        }),
    ).toThrow(/IAM statement Any: wildcard resource \* for dynamodb:PutItem is not an iamExceptions entry/);
    expect(rt.registered.filter((r) => r.name === "bad-role-policy")).toEqual([]);
  });
});
