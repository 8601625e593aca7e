/** SNS guardrails: subscriptions only over allowed protocols. */
import { resourcePolicy } from "../lib/define";
import { known } from "../lib/expect";
import { show } from "../lib/values";

const DEFAULT_PROTOCOLS = ["email", "sqs", "lambda", "https"];

export const snsSubscriptionProtocolAllowed = resourcePolicy<{ allowedProtocols: string[] }>({
  name: "sns-subscription-protocol-allowed",
  description: "A topic subscription uses an allowed protocol (default email, sqs, lambda, https).",
  why: "Plain http and sms leak notification contents or cost money per message; other protocols need review.",
  severity: "medium",
  remediationSteps:
    "Use an allowed protocol (https instead of http), or add the protocol to `allowedProtocols` in policy config with a reason.",
  config: { allowedProtocols: { type: "array", items: { type: "string" }, default: DEFAULT_PROTOCOLS } },
  defaults: { allowedProtocols: DEFAULT_PROTOCOLS },
  types: ["aws:sns/topicSubscription:TopicSubscription"],
  check(r, { config }, out) {
    const p = r.props.protocol;
    if (!known(out, r, "protocol", p)) return;
    if (typeof p !== "string" || !config.allowedProtocols.includes(p))
      out.fail(`${r.name}: protocol ${show(p)} is not one of ${config.allowedProtocols.join(", ")}.`, r.urn);
  },
});

export const snsPolicies = [snsSubscriptionProtocolAllowed];
