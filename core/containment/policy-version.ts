/**
 * The version of a policy set: a hash of its files (names and text, in name order) and schema,
 * so the audit log can say exactly which policies decided, and a changed comma is a new version.
 */
import { fnv1a128 } from '#core/store/hash.ts';

/** One policy file as loaded. */
export interface PolicyFile {
  /** File name (`ai-agents.cedar`). */
  name: string;
  text: string;
}

/** `cedar-` and the 128-bit hash of the policy files and schema. */
export function policyVersion(files: readonly PolicyFile[], schema: string): string {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts = sorted.map((f) => `${f.name}\u0000${f.text}\u0000`);
  const text = `${parts.join('')}schema\u0000${schema}`;
  return `cedar-${fnv1a128(text)}`;
}
