/**
 * The planner's in-process parts, kept under their former module name for the tests and the bench: the mocks' fixed
 * AMI answers, reference matching, error first lines and the types of a stack's result. The code is in ./planner/.
 */
export { MOCK_AL2023_IMAGES } from "./planner/invokes";
export { batchIndexOf, firstLine, runPlan, runPlans } from "./planner/run";
export type { ReferenceAnswer, ReferenceResolver } from "./planner/run";
export type { CapturedResource, PlanTimings, PlanWorkerInput, PlanWorkerResult } from "./planner/types";
