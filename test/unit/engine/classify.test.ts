import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import {
  type Classification,
  Classifier,
  type ClassifyInput,
  trustedPrincipals,
} from '#core/engine/classify.ts';
import type { PrincipalUsage } from '#core/engine/usage.ts';
import type { PolicyDocument } from '#core/policy/document.ts';
import { type EffectiveGrant, GrantCalculator } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';
import {
  ACCOUNT,
  aCredentialRow,
  aDocument,
  allowDocument,
  aPrincipalUsage,
  aRole,
  aUser,
  IN_WINDOW,
  trustPolicy,
} from '#test/helpers/builders.ts';

describe('Classifier', () => {
  let catalog: ActionCatalog;
  let classifier: Classifier;
  let calculator: GrantCalculator;

  beforeAll(async () => {
    catalog = await loadCatalog();
    classifier = new Classifier(catalog);
    calculator = new GrantCalculator(new ActionMatcher(catalog));
  });

  /** Usage of an identity that called the actions. */
  function used(...actions: string[]): PrincipalUsage {
    const time = Date.parse(IN_WINDOW);
    return aPrincipalUsage({
      used: new Map(
        actions.map((a) => {
          const id = catalog.idOf(a);
          if (id === undefined) throw new Error(`catalog has no ${a}`);
          return [id, { count: 1, first: time, last: time }];
        }),
      ),
    });
  }

  function grantOf(document: PolicyDocument): EffectiveGrant {
    return calculator.compute([{ kind: 'inline', name: 'p', document }]);
  }

  function classify(input: ClassifyInput): Pick<Classification, 'class' | 'aiRole' | 'rule'> {
    const { class: klass, aiRole, rule } = classifier.classify(input);
    return { class: klass, aiRole, rule };
  }

  describe('tag override', () => {
    it('follows leash:class and leash:ai-role tags before any other rule', () => {
      // Arrange
      const identity = aRole({
        serviceLinked: true,
        tags: { 'leash:class': 'ai-agent', 'leash:ai-role': 'builder' },
      });

      // Act
      const result = classifier.classify({ identity });

      // Assert
      expect(result).toEqual({
        class: 'ai-agent',
        aiRole: 'builder',
        rule: 'tag-override',
        reason: 'tag leash:class=ai-agent',
      });
    });

    it('defaults the AI role of an ai-agent override to agent', () => {
      // Arrange
      const identity = aRole({ tags: { 'leash:class': 'ai-agent' } });

      // Act
      const result = classify({ identity });

      // Assert
      expect(result).toEqual({ class: 'ai-agent', aiRole: 'agent', rule: 'tag-override' });
    });

    it('gives a human override no AI role unless tagged', () => {
      // Arrange
      const identity = aUser({ tags: { 'leash:class': 'human', 'leash:ai-role': 'nonsense' } });

      // Act
      const result = classify({ identity, usage: used('bedrock:InvokeModel') });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: null, rule: 'tag-override' });
    });

    it('ignores an unknown leash:class value', () => {
      // Arrange
      const identity = aRole({ tags: { 'leash:class': 'robot' } });

      // Act
      const result = classify({ identity });

      // Assert
      expect(result.rule).not.toBe('tag-override');
    });
  });

  it('classes the root user as human', () => {
    // Arrange
    const identity = { type: 'root' as const, arn: `arn:aws:iam::${ACCOUNT}:root` };

    // Act
    const result = classify({ identity, usage: used('bedrock:InvokeModel') });

    // Assert
    expect(result).toEqual({ class: 'human', aiRole: 'user', rule: 'root-user' });
  });

  it('classes a service-linked role as a workload, whatever it does', () => {
    // Arrange
    const identity = aRole({
      serviceLinked: true,
      trustPolicy: trustPolicy({ Service: 'bedrock.amazonaws.com' }),
    });

    // Act
    const result = classify({ identity, usage: used('bedrock:InvokeModel') });

    // Assert
    expect(result).toEqual({ class: 'workload', aiRole: null, rule: 'service-linked-role' });
  });

  describe('IAM users', () => {
    it.each<[string, Partial<ClassifyInput>]>([
      [
        'a console password in the credential report',
        { credentials: aCredentialRow({ passwordEnabled: true }) },
      ],
      ['console sign-ins in the trail', { usage: aPrincipalUsage({ consoleSignIns: 2 }) }],
    ])('classes a user with %s as human', (_label, extra) => {
      // Arrange
      const identity = aUser();

      // Act
      const result = classify({ identity, ...extra });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: null, rule: 'console-user' });
    });

    it('classes a user with a login profile in the export as human', () => {
      // Arrange
      const identity = aUser({ hasLoginProfile: true });

      // Act
      const result = classify({ identity });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: null, rule: 'console-user' });
    });

    it('classes a console user who invokes models as an AI user', () => {
      // Arrange
      const identity = aUser({ hasLoginProfile: true });

      // Act
      const result = classify({ identity, usage: used('bedrock:InvokeModel') });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: 'user', rule: 'console-user' });
    });

    it('classes a console user who creates agents as a builder', () => {
      // Arrange
      const identity = aUser({ hasLoginProfile: true });

      // Act
      const result = classify({
        identity,
        usage: used('bedrock:CreateAgent', 'bedrock:InvokeModel'),
      });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: 'builder', rule: 'console-user' });
    });

    it('classes a programmatic user as a workload', () => {
      // Arrange
      const identity = aUser();

      // Act
      const result = classify({ identity, usage: used('s3:ListAllMyBuckets') });

      // Assert
      expect(result).toEqual({ class: 'workload', aiRole: null, rule: 'programmatic-user' });
    });

    it('classes a programmatic user that creates training jobs as a builder workload', () => {
      // Arrange
      const identity = aUser();

      // Act
      const result = classify({ identity, usage: used('sagemaker:CreateTrainingJob') });

      // Assert
      expect(result).toEqual({ class: 'workload', aiRole: 'builder', rule: 'programmatic-user' });
    });

    it('classes a programmatic user that invokes models as an AI agent', () => {
      // Arrange
      const identity = aUser();

      // Act
      const result = classify({ identity, usage: used('bedrock:InvokeModel') });

      // Assert
      expect(result).toEqual({
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'programmatic-user-invokes-models',
      });
    });
  });

  describe('roles', () => {
    it.each([
      'bedrock.amazonaws.com',
      'bedrock-agentcore.amazonaws.com',
    ])('classes a role trusted by %s as an AI agent', (service) => {
      // Arrange
      const identity = aRole({
        trustPolicy: trustPolicy({ Service: ['lambda.amazonaws.com', service] }),
      });

      // Act
      const result = classify({ identity });

      // Assert
      expect(result).toEqual({
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'trusted-by-agent-service',
      });
    });

    it('ignores an agent service named only in a Deny statement of the trust policy', () => {
      // Arrange
      const identity = aRole({
        trustPolicy: aDocument(
          {
            actions: ['sts:AssumeRole'],
            resources: undefined,
            principal: { Service: 'lambda.amazonaws.com' },
          },
          {
            effect: 'Deny',
            actions: ['sts:AssumeRole'],
            resources: undefined,
            principal: { Service: 'bedrock.amazonaws.com' },
          },
        ),
      });

      // Act
      const result = classify({ identity });

      // Assert
      expect(result.rule).toBe('workload-role');
    });

    it('classes a role trusting a SAML provider as human', () => {
      // Arrange
      const identity = aRole({
        trustPolicy: trustPolicy({
          Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta`,
        }),
      });

      // Act
      const result = classify({ identity, usage: used('bedrock:InvokeModel') });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: 'user', rule: 'federated-human-role' });
    });

    it('classes an IAM Identity Center permission set role as human', () => {
      // Arrange
      const identity = aRole({
        name: 'AWSReservedSSO_Admin_0123456789abcdef',
        path: '/aws-reserved/sso.amazonaws.com/',
        trustPolicy: trustPolicy({
          Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/portal.sso.amazonaws.com`,
        }),
      });

      // Act
      const result = classify({ identity });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: null, rule: 'federated-human-role' });
    });

    it('classes a role used on behalf of Identity Center users as human', () => {
      // Arrange
      const identity = aRole();

      // Act
      const result = classify({
        identity,
        usage: aPrincipalUsage({ onBehalfOf: new Map([['sso-user', 3]]) }),
      });

      // Assert
      expect(result.rule).toBe('federated-human-role');
      expect(result.class).toBe('human');
    });

    it('classes a workload role seen invoking models as an AI agent', () => {
      // Arrange
      const identity = aRole();

      // Act
      const result = classify({ identity, usage: used('bedrock:InvokeModel') });

      // Assert
      expect(result).toEqual({
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'workload-invokes-models',
      });
    });

    it('classes a service role whose policy names model invocation as an AI agent', () => {
      // Arrange
      const identity = aRole();
      const grant = grantOf(allowDocument('bedrock:InvokeModel'));

      // Act
      const result = classify({ identity, grant });

      // Assert
      expect(result).toEqual({
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'workload-granted-model-invocation',
      });
    });

    it('does not read a broad grant such as "*" as naming model invocation', () => {
      // Arrange
      const identity = aRole();
      const grant = grantOf(allowDocument('*'));

      // Act
      const result = classify({ identity, grant });

      // Assert
      expect(result.rule).toBe('workload-role');
    });

    it('does not count model invocation a Deny removes', () => {
      // Arrange
      const identity = aRole();
      const grant = grantOf(
        aDocument({ actions: ['bedrock:InvokeModel'] }, { effect: 'Deny', actions: ['bedrock:*'] }),
      );

      // Act
      const result = classify({ identity, grant });

      // Assert
      expect(result.rule).toBe('workload-role');
    });

    it('classes a role that people assume with a source identity as human', () => {
      // Arrange
      const identity = aRole({
        trustPolicy: trustPolicy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
      });

      // Act
      const result = classify({
        identity,
        usage: aPrincipalUsage({ sourceIdentities: new Map([['alice@example.com', 4]]) }),
      });

      // Assert
      expect(result).toEqual({ class: 'human', aiRole: null, rule: 'assumed-by-people' });
    });

    it('classes a role that builds AI resources as a builder workload', () => {
      // Arrange
      const identity = aRole({ trustPolicy: trustPolicy({ Service: 'codebuild.amazonaws.com' }) });

      // Act
      const result = classifier.classify({ identity, usage: used('bedrock:CreateKnowledgeBase') });

      // Assert
      expect(result.class).toBe('workload');
      expect(result.aiRole).toBe('builder');
      expect(result.rule).toBe('workload-role');
      expect(result.reason).toContain('codebuild.amazonaws.com');
    });

    it('classes any other role as a workload', () => {
      // Arrange
      const identity = aRole();

      // Act
      const result = classify({ identity, usage: used('s3:ListAllMyBuckets') });

      // Assert
      expect(result).toEqual({ class: 'workload', aiRole: null, rule: 'workload-role' });
    });
  });
});

describe('trustedPrincipals', () => {
  it('collects service, federated and AWS principals of Allow statements', () => {
    // Arrange
    const identity = aRole({
      trustPolicy: aDocument(
        {
          actions: ['sts:AssumeRole'],
          resources: undefined,
          principal: { Service: ['ec2.amazonaws.com'], AWS: 'arn:aws:iam::222222222222:root' },
        },
        {
          actions: ['sts:AssumeRoleWithSAML'],
          resources: undefined,
          principal: { Federated: 'arn:aws:iam::111111111111:saml-provider/Okta' },
        },
        { actions: ['sts:AssumeRole'], resources: undefined, principal: '*' },
      ),
    });

    // Act
    const trusted = trustedPrincipals(identity);

    // Assert
    expect(trusted).toEqual({
      services: ['ec2.amazonaws.com'],
      federated: ['arn:aws:iam::111111111111:saml-provider/Okta'],
      aws: ['arn:aws:iam::222222222222:root', '*'],
    });
  });

  it('finds no principals for a user', () => {
    // Arrange
    const identity = aUser();

    // Act
    const trusted = trustedPrincipals(identity);

    // Assert
    expect(trusted).toEqual({ services: [], federated: [], aws: [] });
  });
});
