/** @module Reading a space-separated OAuth parameter (`scope`, `resource`, `acr_values`) that may also arrive as a list. */

/** The values of a parameter given as one space-separated string or as a list of strings. */
export function toList(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}
