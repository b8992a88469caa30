/**
 * Findings documents for the browser tests and the report benchmark: a small one with known
 * figures, and a generated one of thousands of identities shaped like a real account (several
 * services per identity, most of the grant unused, recommended policies with their diffs).
 */
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import { aFinding, aFindingsDocument, anIdentityResult } from '#test/helpers/findings-document.ts';

const SERVICES = ['s3', 'dynamodb', 'lambda', 'sqs', 'sns', 'ec2', 'iam', 'kms', 'logs', 'bedrock'];
const ACTIONS = ['Get', 'List', 'Put', 'Delete', 'Describe', 'Create', 'Update', 'Tag'];
const CLASSES: Pick<IdentityResult, 'class' | 'aiRole'>[] = [
  { class: 'ai-agent', aiRole: 'agent' },
  { class: 'human', aiRole: 'builder' },
  { class: 'human', aiRole: 'user' },
  { class: 'workload', aiRole: null },
  { class: 'human', aiRole: null },
];

/** A deterministic pseudo-random sequence (mulberry32), so every run builds the same document. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated identity. */
function generated(i: number, next: () => number): IdentityResult {
  const services = SERVICES.filter(() => next() < 0.4);
  const actions = (services.length ? services : ['s3']).flatMap((s) =>
    ACTIONS.map((a) => `${s}:${a}${s === 'iam' ? 'Role' : 'Item'}`),
  );
  const used = Math.floor(actions.length * next() * 0.3);
  const findings = [
    aFinding({
      ruleId: 'LP-IAM-007',
      rule: 'unused-permissions',
      title: `${actions.length - used} of ${actions.length} granted actions unused`,
      severity: next() < 0.1 ? 'high' : 'medium',
    }),
    ...(next() < 0.05
      ? [aFinding({ ruleId: 'LP-IAM-005', severity: 'critical', title: 'Admin equivalent' })]
      : []),
  ];
  const removed = actions.slice(used);
  return anIdentityResult(`role-${String(i).padStart(5, '0')}`, findings, {
    actions,
    used,
    policies: [`Policy${i % 50}`],
    overrides: {
      ...CLASSES[i % CLASSES.length]!,
      recommendedPolicy: {
        policies: [
          {
            name: `leash-role-${i}-1`,
            size: 200,
            document: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'Used',
                  Effect: 'Allow',
                  Action: actions.slice(0, Math.max(1, used)),
                  Resource: ['*'],
                },
              ],
            },
          },
        ],
        detach: [
          {
            policy: `Policy${i % 50}`,
            arn: null,
            kind: 'customer-managed',
            viaGroup: null,
            reason: 'replaced by the recommended policy',
          },
        ],
        keptActions: used,
        keptUnobservable: 0,
        removedActions: removed.length,
        fitsRoleInlineLimit: true,
        exceedsManagedPolicyQuota: false,
        diff: removed.map((a) => `- ${a}`).join('\n'),
      },
    },
  });
}

/** A document of `n` generated identities. */
export function generatedDocument(n: number, seed = 7): FindingsDocument {
  const next = random(seed);
  return aFindingsDocument(
    Array.from({ length: n }, (_, i) => generated(i, next)),
    { asOf: '2026-11-15T03:00:00.000Z' },
  );
}
