/**
 * Field paths as errors name them: dotted, `[*]` for array items and `{*}` for map values.
 * Internal.
 *
 * @module
 */

/** `key` below `path`; the root's children have no leading dot. */
export function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
