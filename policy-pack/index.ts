/**
 * This repository's own pack: built with the library exactly as a user builds theirs (`envParityPack`), around the
 * rule sets of this repository's two projects. Repo-local: nothing here is part of what is published
 * (the published pack is policy-pack/ready/, which reads the rules from policy config).
 */
import dataPlatformRules from "../consistency-rules/data-platform.rules.json";
import paymentsRules from "../examples/payments/consistency-rules/payments.rules.json";
import { envParityPack } from "./lib/pack";

envParityPack("env-parity", { rules: [dataPlatformRules, paymentsRules] });
