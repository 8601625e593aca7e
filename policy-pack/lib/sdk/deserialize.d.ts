/** Types of ./deserialize.js (the memoised, secret-recording @pulumi/policy deserialiser; see there). */
export declare function deserializeProperties(struct: unknown, proxySecrets: boolean): Record<string, unknown>;
export declare function serializeProperties(obj: unknown): Promise<unknown>;
/** Puts this deserialiser in the place of the installed @pulumi/policy's; true when it is in place. */
export declare function install(): boolean;
