/**
 * Parameter names and skip keys, shared by the replicator handler (runtime) and the infra.
 * A parameter `/{project}/{env}/{key}` holds config key `key` of environment `env`.
 */
import { globMatch } from "../../../consistency-rules/src/paths";

/** `/data-platform/dev/batchSize`. */
export function parameterName(project: string, env: string, key: string): string {
  return `/${project}/${env}/${key}`;
}

/** The key of a parameter of `project`/`env`, or undefined when the name is not under `/{project}/{env}/`. */
export function keyOf(name: string, project: string, env: string): string | undefined {
  const prefix = `/${project}/${env}/`;
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : undefined;
}

/** `SKIP_KEYS` is a comma-separated list of keys or globs (`*` = any run of characters); blanks ignored. */
export function parseSkipKeys(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
}

export function formatSkipKeys(keys: readonly string[]): string {
  return [...keys].join(",");
}

export function isSkippedKey(key: string, skipKeys: readonly string[]): boolean {
  return skipKeys.some((pattern) => globMatch(pattern, key));
}
