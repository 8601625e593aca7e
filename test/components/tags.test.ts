/** standardTags: the five tags every taggable resource carries, in its inputs. */
import { REQUIRED_TAG_KEYS, standardTags } from "@env-parity/components";

describe("standardTags", () => {
  const tags = standardTags({ env: "staging", project: "payments", team: "payments", costCenter: "CC-9" });
  it("sets the required keys from the environment, ManagedBy pulumi", () => {
    expect(tags).toEqual({
      Environment: "staging",
      Project: "payments",
      ManagedBy: "pulumi",
      Team: "payments",
      CostCenter: "CC-9",
    });
    expect(Object.keys(tags).sort()).toEqual([...REQUIRED_TAG_KEYS].sort());
  });
  it("is frozen: a component cannot change what every other resource is tagged with", () => {
    expect(Object.isFrozen(tags)).toBe(true);
    expect(() => {
      (tags as Record<string, string>).Team = "other";
    }).toThrow(TypeError);
  });
});
