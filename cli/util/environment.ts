/** What a source needs to know about the stack it reads, from the rule set (never guessed). */
export interface StackEnvironment {
  readonly env: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly suffix?: string;
}

/** Maps a stack (and its project) to its environment, or returns the problem as one phrase (`unknown stack "qa" …`). */
export type EnvironmentResolver = (stack: string, project: string) => StackEnvironment | string;

export interface SourceOptions {
  readonly resolveEnvironment: EnvironmentResolver;
}

/** A resolver for tests and tools that have no rules: the stack name is the environment. */
export const stackIsEnvironment: EnvironmentResolver = (stack) => ({ env: stack });
