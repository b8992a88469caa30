/**
 * PolicyDecider over Cedar (`@cedar-policy/cedar-wasm`): evaluates a containment request against
 * the policy files (core/containment/policies/ by default) and reads the decision from the
 * annotations of the policies that matched.
 *
 * - Every permit carries `@decision("auto")` or `@decision("approval")`; `@id("...")` names a
 *   policy (default `<file>#<n>`), and the audit log records those names.
 * - A matching forbid: forbidden. No matching permit: forbidden.
 * - Otherwise approval when any matching permit says approval, else auto.
 * - An evaluation error never allows: Cedar skips a policy that errors (an erroring forbid would
 *   let a permit through), so any error makes the decision forbidden, with the errors recorded.
 *
 * Policies are parsed and validated against the schema (strict mode) when loaded: a broken file
 * fails at cold start with PolicyLoadError, never at decision time.
 * Cedar entities JSON: https://docs.cedarpolicy.com/auth/entities-syntax.html
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyLoadError } from '#core/containment/errors.ts';
import { hasProtectedTag } from '#core/containment/guard.ts';
import { type PolicyFile, policyVersion } from '#core/containment/policy-version.ts';
import type { ContainmentRequest, PolicyDecider, PolicyDecision } from '#core/ports/containment.ts';

/** The default policies and schema shipped with Leash. */
export const DEFAULT_POLICY_DIR = fileURLToPath(
  new URL('../../core/containment/policies/', import.meta.url),
);

/** The schema file every policy directory holds. */
export const SCHEMA_FILE = 'leash.cedarschema';

/** One policy of a loaded set. */
export interface LoadedPolicy {
  id: string;
  file: string;
  effect: 'permit' | 'forbid';
  /** Permits only. */
  decision: 'auto' | 'approval' | null;
  text: string;
}

/** A parsed and validated policy set. */
export interface CedarPolicySet {
  /** Hash of the files and schema (core/containment/policy-version.ts). */
  version: string;
  schema: string;
  policies: Record<string, LoadedPolicy>;
}

/**
 * Loads every `*.cedar` file of a directory and its `leash.cedarschema`.
 * @throws PolicyLoadError when the schema is missing, or a policy does not parse or validate
 */
export function loadPolicyDirectory(dir: string = DEFAULT_POLICY_DIR): CedarPolicySet {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    throw new PolicyLoadError(`cannot read policy directory ${dir}`, [String(error)]);
  }
  if (!names.includes(SCHEMA_FILE))
    throw new PolicyLoadError(`cannot load policies from ${dir}`, [`${SCHEMA_FILE} is missing`]);
  const files = names
    .filter((n) => n.endsWith('.cedar'))
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  return compilePolicySet(files, readFileSync(join(dir, SCHEMA_FILE), 'utf8'));
}

/**
 * Parses policy files, checks their annotations and validates them against the schema.
 * @throws PolicyLoadError listing every problem with its file and policy
 */
export function compilePolicySet(files: readonly PolicyFile[], schema: string): CedarPolicySet {
  const schemaCheck = cedar.checkParseSchema(schema);
  if (schemaCheck.type === 'failure')
    throw new PolicyLoadError('the Cedar schema does not parse', messages(schemaCheck.errors));
  if (files.length === 0) throw new PolicyLoadError('no policies', ['no *.cedar file']);
  const problems: string[] = [];
  const policies: Record<string, LoadedPolicy> = {};
  for (const file of files) {
    const parts = cedar.policySetTextToParts(file.text);
    if (parts.type === 'failure') {
      problems.push(...messages(parts.errors).map((m) => `${file.name}: ${m}`));
      continue;
    }
    if (parts.policy_templates.length > 0)
      problems.push(`${file.name}: templates are not supported; write static policies`);
    parts.policies.forEach((text, i) => {
      const json = cedar.policyToJson(text);
      // A policy that split out of a parsed set always converts; the check keeps types honest.
      if (json.type === 'failure') {
        problems.push(...messages(json.errors).map((m) => `${file.name}#${i}: ${m}`));
        return;
      }
      const annotations = json.json.annotations ?? {};
      const id = annotations.id ?? `${file.name}#${i}`;
      const where = `${file.name}: policy ${id}`;
      if (policies[id]) problems.push(`${where}: the id is used twice`);
      const decision = annotations.decision ?? null;
      if (json.json.effect === 'permit' && decision !== 'auto' && decision !== 'approval')
        problems.push(`${where}: a permit needs @decision("auto") or @decision("approval")`);
      policies[id] = {
        id,
        file: file.name,
        effect: json.json.effect,
        decision: json.json.effect === 'permit' ? (decision as 'auto' | 'approval') : null,
        text,
      };
    });
  }
  if (problems.length === 0) {
    const checked = cedar.validate({
      schema,
      policies: { staticPolicies: texts(policies) },
      validationSettings: { mode: 'strict' },
    });
    if (checked.type === 'failure') problems.push(...messages(checked.errors));
    else
      problems.push(
        ...checked.validationErrors.map(
          (e) => `${policies[e.policyId]?.file}: policy ${e.policyId}: ${e.error.message}`,
        ),
      );
  }
  if (problems.length > 0) throw new PolicyLoadError('invalid containment policies', problems);
  return { version: policyVersion(files, schema), schema, policies };
}

/** Decides containment requests with a loaded policy set. */
export class CedarPolicyDecider implements PolicyDecider {
  constructor(private readonly set: CedarPolicySet) {}

  /** A decider over a directory's policies (default: Leash's). */
  static fromDirectory(dir?: string): CedarPolicyDecider {
    return new CedarPolicyDecider(loadPolicyDirectory(dir));
  }

  /** The version (hash) of the policy set in use. */
  get version(): string {
    return this.set.version;
  }

  async decide(request: ContainmentRequest, now: number): Promise<PolicyDecision> {
    const forbidden = (matched: string[], errors: string[]): PolicyDecision => ({
      decision: 'forbidden',
      matched,
      policyVersion: this.set.version,
      errors,
    });
    let answer: cedar.AuthorizationAnswer;
    try {
      answer = cedar.isAuthorized({
        ...cedarRequestOf(request, now),
        schema: this.set.schema,
        validateRequest: true,
        policies: { staticPolicies: texts(this.set.policies) },
      });
    } catch (error) {
      return forbidden([], [`cedar: ${String(error)}`]);
    }
    if (answer.type === 'failure') return forbidden([], messages(answer.errors));
    const { decision, diagnostics } = answer.response;
    const matched = [...diagnostics.reason].sort();
    if (diagnostics.errors.length > 0)
      return forbidden(
        matched,
        diagnostics.errors.map((e) => `policy ${e.policyId}: ${e.error.message}`),
      );
    if (decision === 'deny') return forbidden(matched, []);
    const approval = matched.some((id) => this.set.policies[id]?.decision === 'approval');
    return {
      decision: approval ? 'approval' : 'auto',
      matched,
      policyVersion: this.set.version,
      errors: [],
    };
  }
}

/**
 * The Cedar request (principal, action, resource, context, entities) for a containment
 * request, as the schema leash.cedarschema describes it.
 */
export function cedarRequestOf(
  request: ContainmentRequest,
  now: number,
): Omit<cedar.AuthorizationCall, 'schema' | 'policies' | 'validateRequest'> {
  const { target, trigger } = request;
  const time = new Date(now);
  const resource = { type: 'Leash::Identity', id: target.id };
  const principal = { type: 'Leash::Requester', id: trigger.requester };
  return {
    principal,
    action: { type: 'Leash::Action', id: request.kind },
    resource,
    context: {
      trigger: trigger.type,
      severity: trigger.severity ?? 'none',
      ruleId: trigger.ruleId ?? '',
      findingKey: trigger.findingKey ?? '',
      hourUtc: time.getUTCHours(),
      dayOfWeekUtc: time.getUTCDay(),
      epochSeconds: Math.floor(now / 1000),
    },
    entities: [
      { uid: principal, attrs: {}, parents: [] },
      {
        uid: resource,
        attrs: {
          provider: target.provider,
          scope: target.scope,
          type: target.type,
          name: target.name,
          class: target.class ?? 'unknown',
          environment: target.environment ?? '',
          protected: hasProtectedTag(target.tags),
          hasDelegatingHuman: target.delegatingHuman !== null,
        },
        parents: [],
        tags: { ...target.tags },
      },
    ],
  };
}

function texts(policies: Record<string, LoadedPolicy>): Record<string, string> {
  return Object.fromEntries(Object.values(policies).map((p) => [p.id, p.text]));
}

function messages(errors: readonly cedar.DetailedError[]): string[] {
  return errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message));
}
