/**
 * This repository's own pack: built with the library exactly as a user builds theirs (`envParityPack`), around the
 * rule sets and parity locks of this repository's two projects, so `pulumi preview --policy-pack policy-pack`
 * enforces the locks without policy config. Repo-local: nothing here is part of what is published (the published
 * library is dist/policy, the published pack policy-pack/ready/, which read rules and lock from policy config).
 * The bundle is rebuilt by `npm run build` (policy-pack/build.js); after `parity lock`, rebuild to carry the new lock.
 */
import dataPlatformLock from "../consistency-rules/data-platform.parity-lock.json";
import dataPlatformRules from "../consistency-rules/data-platform.rules.json";
import paymentsLock from "../examples/payments/consistency-rules/payments.parity-lock.json";
import paymentsRules from "../examples/payments/consistency-rules/payments.rules.json";
import { envParityPack } from "./lib/pack";

envParityPack("env-parity", { rules: [dataPlatformRules, paymentsRules], lock: [dataPlatformLock, paymentsLock] });
