/** The five tags every taggable resource carries. Passed explicitly (not provider defaultTags) so they are in every resource's inputs, where the policy pack and the parity checks see them. */
export interface StandardTagsInput {
  readonly env: string;
  readonly project: string;
  readonly team: string;
  readonly costCenter: string;
}

export type Tags = Readonly<Record<string, string>>;

export const REQUIRED_TAG_KEYS = ["Environment", "Project", "ManagedBy", "Team", "CostCenter"] as const;

export function standardTags(t: StandardTagsInput): Tags {
  return Object.freeze({
    Environment: t.env,
    Project: t.project,
    ManagedBy: "pulumi",
    Team: t.team,
    CostCenter: t.costCenter,
  });
}
