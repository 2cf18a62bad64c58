// What may be an owner. Owners scope every store call and name blob folders, so the pattern keeps
// them path-safe: no leading dot, dash or `@`, no `..`; `:` separates a tenant from its user
// (`<tenant>:<sub>`). Every owner it admits is a valid blob name segment (packages/blob/src/object-names.ts).

export const OWNER_PATTERN = /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.@:-]{0,127}$/;

export function isValidOwner(owner: string): boolean {
  return OWNER_PATTERN.test(owner);
}
