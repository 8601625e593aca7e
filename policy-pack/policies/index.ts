/** The pack's policy list, in report order. `policy-pack-indeterminate` comes last: it re-runs the others' checks. */
import type { Guard } from "../lib/define";
import { cloudwatchAlarmPolicies } from "./cloudwatch-alarms";
import { cloudwatchLogsPolicies } from "./cloudwatch-logs";
import { dynamodbPolicies } from "./dynamodb";
import { ec2Policies } from "./ec2";
import { iamPolicies } from "./iam";
import { indeterminatePolicy } from "./indeterminate";
import { lambdaPolicies } from "./lambda";
import { lifecyclePolicies } from "./lifecycle";
import { namingPolicies } from "./naming";
import { parityPolicies } from "./parity";
import { rdsPolicies } from "./rds";
import { s3Policies } from "./s3";
import { snsPolicies } from "./sns";
import { sqsPolicies } from "./sqs";
import { taggingPolicies } from "./tagging";

export const guardrails: readonly Guard[] = [
  ...s3Policies,
  ...lambdaPolicies,
  ...dynamodbPolicies,
  ...sqsPolicies,
  ...snsPolicies,
  ...rdsPolicies,
  ...ec2Policies,
  ...iamPolicies,
  ...cloudwatchLogsPolicies,
  ...cloudwatchAlarmPolicies,
  ...taggingPolicies,
  ...namingPolicies,
  ...lifecyclePolicies,
  ...parityPolicies,
];

export const policies = [...guardrails, indeterminatePolicy(guardrails)];
