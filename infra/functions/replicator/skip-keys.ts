/**
 * Which config keys are environment-specific, from the one source of truth: approvals of type `config`
 * in the project's consistency rules (`{ type: "config", resource: "config", path: <key> }`).
 * Used by the infra (to set `SKIP_KEYS` and to scope the target roles) and by the tests.
 */
import { CONFIG_TYPE, isExpired, type Approval } from "../../../consistency-rules/src/rules";
import { isSkippedKey } from "./keys";

export interface SkipKeyOptions {
  /** Project namespace stripped from approval paths (`data-platform:logLevel` → `logLevel`). */
  readonly project: string;
  /**
   * The config key whose object entries are the application configuration (`appConfig.batchSize` → `batchSize`);
   * a path naming a top-level key is kept as it is.
   */
  readonly objectKey?: string;
  /** Expired approvals no longer approve a difference, so their keys are replicated again. */
  readonly now?: Date;
}

/** Sorted, unique keys (or globs) the replicator must not copy from prod. */
export function configSkipKeys(approvals: readonly Approval[], options: SkipKeyOptions): string[] {
  const objectPrefix = `${options.objectKey ?? "appConfig"}.`;
  const keys = new Set<string>();
  for (const approval of approvals) {
    if (approval.type !== CONFIG_TYPE || isExpired(approval, options.now)) continue;
    let key = approval.path.startsWith(`${options.project}:`)
      ? approval.path.slice(options.project.length + 1)
      : approval.path;
    if (key.startsWith(objectPrefix)) key = key.slice(objectPrefix.length);
    if (key) keys.add(key);
  }
  return [...keys].sort();
}

/** The keys of `all` that are replicated (not matched by a skip key), in the order given. */
export function replicatedKeys(all: readonly string[], skipKeys: readonly string[]): string[] {
  return all.filter((k) => !isSkippedKey(k, skipKeys));
}
