/**
 * RuleSet.invariantsFor / approvalsFor look rules up by type first and, only where a type has rules for particular
 * resources, by logical id: the result must be what filtering every rule by both globs gives, in the same order,
 * for any mix of exact, glob and `*` types and resources, in any order of lookups.
 */
import fc from "fast-check";
import { compareSpecificity } from "../../consistency-rules/src/rules";
import { globMatch } from "../../consistency-rules/src/paths";
import { rules } from "./helpers";

const TYPES = ["aws:s3/bucket:Bucket", "aws:sqs/queue:Queue", "aws:lambda/function:Function"];
const typePattern = fc.constantFrom(...TYPES, "*", "aws:s3/*", "aws:*:Queue");
const resourcePattern = fc.constantFrom("*", "ingest-*", "ingest-raw", "*-dlq", "other");
const logicalId = fc.constantFrom("ingest-raw", "ingest-dlq", "other", "x-dlq", "ingest-", "");

test("type-then-resource lookups equal the plain filter of every rule by both globs", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ type: typePattern, resource: resourcePattern }), { maxLength: 8 }),
      fc.array(fc.tuple(fc.constantFrom(...TYPES, "aws:sns/topic:Topic"), logicalId), { minLength: 1, maxLength: 12 }),
      (specs, lookups) => {
        const invariants = specs.map((s, i) => ({ id: `inv-${i}`, type: s.type, resource: s.resource, path: `p${i}` }));
        const approvals = specs.map((s, i) => ({
          id: `appr-${i}`,
          type: s.type,
          resource: s.resource,
          path: `q${i}`,
          values: { dev: 1, staging: 1, prod: 2 },
          reason: "a reason long enough",
          owner: "platform-team",
        }));
        const rs = rules({ invariants, approvals });
        const naive = <T extends { type: string; resource: string; path: string }>(
          all: readonly T[],
          t: string,
          id: string,
        ) =>
          [...all]
            .sort(compareSpecificity)
            .filter((r) => globMatch(r.type, t) && globMatch(r.resource, id))
            .map((r) => (r as unknown as { id: string }).id);
        for (const [t, id] of lookups) {
          expect(rs.invariantsFor(t, id).map((i) => i.id)).toEqual(naive(rs.invariants, t, id));
          expect(rs.approvalsFor(t, id).map((a) => a.id)).toEqual(naive(rs.approvals, t, id));
        }
      },
    ),
    { numRuns: 300 },
  );
});
