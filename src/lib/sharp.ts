export type Sharp = typeof import('sharp').default

let sharpLoaded: Promise<Sharp | undefined> | undefined

/**
 * sharp, loaded on first use. It is a native module: where it cannot load (a
 * runtime without its prebuilt binary, Deno without `--allow-ffi`) this is
 * undefined, and each image feature says what it does without it.
 */
export const loadSharp = () => (sharpLoaded ??= import('sharp').then((m) => m.default, () => undefined))
