/** A nominal type over a primitive: a NodeId can't be passed where a JobId is expected. */
declare const brandTag: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brandTag]: B };
