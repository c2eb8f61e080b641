/**
 * The value a validation issue points at (zod gives a path into the input), or undefined when the
 * path leaves the input: "missing" and "wrong type" are different AWS errors.
 */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const p of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  return node;
}
