/** Types of ./secrets.js (which values of a request were secret; see there). */
export interface SecretMark {
  readonly segs: readonly string[];
  readonly value: unknown;
}
export declare const SECRET_PLACEHOLDER: "[secret]";
export declare function record(props: object, list: SecretMark[]): void;
export declare function secretsOf(props: unknown): readonly SecretMark[] | undefined;
export declare function copySecretMarks(from: unknown, to: unknown): void;
export declare function secretPathsOf(props: unknown): ReadonlySet<string> | undefined;
export declare function isSecretPath(props: unknown, path: string | readonly string[]): boolean;
export declare function withSecretMarks<T>(props: T): T;
export declare function redactSecrets(message: string, propsList: Iterable<unknown>): string;
export declare function redactorOf(propsList: Iterable<unknown>): (message: string) => string;
export declare function anySecrets(): boolean;
