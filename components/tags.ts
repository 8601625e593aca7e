/**
 * The five tags every taggable resource carries. Passed explicitly (not provider defaultTags) so they are in every
 * resource's inputs, where the policy pack and the parity checks see them.
 */
export interface StandardTagsInput {
  /** `Environment`. */
  readonly env: string;
  /** `Project`. */
  readonly project: string;
  /** `Team`. */
  readonly team: string;
  /** `CostCenter`. */
  readonly costCenter: string;
}

/** Tags of a resource: key → value. */
export type Tags = Readonly<Record<string, string>>;

/** The keys {@link standardTags} sets: the tags the policy pack requires on every taggable resource. */
export const REQUIRED_TAG_KEYS = ["Environment", "Project", "ManagedBy", "Team", "CostCenter"] as const;

/** The standard tags of an environment, frozen (`ManagedBy` is always `pulumi`). */
export function standardTags(t: StandardTagsInput): Tags {
  return Object.freeze({
    Environment: t.env,
    Project: t.project,
    ManagedBy: "pulumi",
    Team: t.team,
    CostCenter: t.costCenter,
  });
}
