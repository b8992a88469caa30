import { describe, expect, it } from 'vitest';
import type { IamRole } from '#core/iam/inventory.ts';
import {
  githubOidcTrusts,
  tooBroad,
  wildcardMatch,
  wildcardPrefix,
} from '#core/saas/github/oidc-trust.ts';
import { aDocument, aRole, trustPolicy } from '#test/helpers/builders.ts';
import { aRepository, ORG } from './builders.ts';

const PROVIDER = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
const REPOS = ['app', 'app-worker', 'agent', 'infra'].map((n) => aRepository(n));

/** A role trusting GitHub Actions with the given condition block. */
function githubRole(name: string, condition?: Record<string, Record<string, unknown>>): IamRole {
  return aRole({
    name,
    trustPolicy: aDocument({
      actions: ['sts:AssumeRoleWithWebIdentity'],
      resources: undefined,
      principal: { Federated: PROVIDER },
      ...(condition ? { condition } : {}),
    }),
  });
}

const aud = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' };

describe('githubOidcTrusts', () => {
  it('ties an exact sub to its one repository and does not flag it', () => {
    // Arrange
    const role = githubRole('deploy-app', {
      StringEquals: {
        ...aud,
        'token.actions.githubusercontent.com:sub': `repo:${ORG}/app:ref:refs/heads/main`,
      },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({
      roleArn: role.arn,
      provider: 'token.actions.githubusercontent.com',
      audiences: ['sts.amazonaws.com'],
      repositories: ['app'],
      anyOwner: false,
      anyRepository: false,
      anyRef: false,
    });
    expect(tooBroad(trust!)).toBe(false);
  });

  it('flags a trust without a sub condition as admitting any owner', () => {
    // Arrange
    const role = githubRole('wide-open', { StringEquals: aud });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({
      subjects: [],
      anyOwner: true,
      anyRepository: true,
      anyRef: true,
    });
    expect(trust!.repositories).toEqual(['agent', 'app', 'app-worker', 'infra']);
  });

  it('flags repo:ORG/* as admitting every repository of the organization, not any owner', () => {
    // Arrange
    const role = githubRole('org-wide', {
      StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${ORG}/*` },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({ anyOwner: false, anyRepository: true, anyRef: true });
    expect(trust!.repositories).toHaveLength(4);
  });

  it('flags repo:* and a wildcard owner as any owner', () => {
    // Arrange
    const star = githubRole('star', {
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:*' },
    });
    const prefixOwner = githubRole('prefix-owner', {
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme*/app:*' },
    });

    // Act
    const trusts = githubOidcTrusts([star, prefixOwner], { org: ORG, repositories: REPOS });

    // Assert
    expect(trusts.map((t) => t.anyOwner)).toEqual([true, true]);
  });

  it('flags repo:ORG/app:* as any branch of that repository only', () => {
    // Arrange
    const role = githubRole('any-branch', {
      StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${ORG}/app:*` },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({ repositories: ['app'], anyRepository: false, anyRef: true });
  });

  it('counts repo:ORG/app* as admitting every repository whose name starts with app', () => {
    // Arrange
    const role = githubRole('prefix', {
      StringLike: { 'token.actions.githubusercontent.com:sub': [`repo:${ORG}/app*`] },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust!.repositories).toEqual(['app', 'app-worker']);
    expect(trust!.anyRef).toBe(true);
  });

  it('does not call a branch pattern "any branch" but still ties the repository', () => {
    // Arrange
    const role = githubRole('release-branches', {
      StringLike: {
        'token.actions.githubusercontent.com:sub': `repo:${ORG}/infra:ref:refs/heads/release-*`,
      },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({ repositories: ['infra'], anyRef: false, anyRepository: false });
  });

  it('ties an environment subject and a customized-template subject to their repositories', () => {
    // Arrange
    const role = githubRole('env', {
      'ForAnyValue:StringEquals': {
        'token.actions.githubusercontent.com:sub': [
          `repo:${ORG}/agent:environment:prod`,
          `repo:${ORG}/infra:environment:prod:job_workflow_ref:${ORG}/infra/.github/workflows/d.yml@refs/heads/main`,
        ],
      },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust!.repositories).toEqual(['agent', 'infra']);
    expect(tooBroad(trust!)).toBe(false);
  });

  it('lists owners other than the organization', () => {
    // Arrange
    const role = githubRole('partner', {
      StringEquals: {
        'token.actions.githubusercontent.com:sub': 'repo:partner-co/tool:ref:refs/heads/main',
      },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({ otherOwners: ['partner-co'], repositories: [], anyOwner: false });
  });

  it('treats a custom repository_owner template without repo as every repository of the owner', () => {
    // Arrange
    const role = githubRole('owner-only', {
      StringEquals: {
        'token.actions.githubusercontent.com:sub': `repository_owner:${ORG}:environment:prod`,
      },
    });

    // Act
    const [trust] = githubOidcTrusts([role], { org: ORG, repositories: REPOS });

    // Assert
    expect(trust).toMatchObject({ anyRepository: true, anyOwner: false });
  });

  it('ignores roles trusting other providers and accepts a GitHub Enterprise Server issuer', () => {
    // Arrange
    const lambda = aRole({
      name: 'lambda',
      trustPolicy: trustPolicy({ Service: 'lambda.amazonaws.com' }),
    });
    const gitlab = aRole({
      name: 'gitlab',
      trustPolicy: aDocument({
        actions: ['sts:AssumeRoleWithWebIdentity'],
        resources: undefined,
        principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/gitlab.com' },
      }),
    });
    const ghes = aRole({
      name: 'ghes',
      trustPolicy: aDocument({
        actions: ['sts:AssumeRoleWithWebIdentity'],
        resources: undefined,
        principal: {
          Federated: 'arn:aws:iam::111111111111:oidc-provider/ghe.example.com/_services/token',
        },
        condition: {
          StringEquals: {
            'ghe.example.com/_services/token:sub': `repo:${ORG}/app:environment:prod`,
          },
        },
      }),
    });

    // Act
    const trusts = githubOidcTrusts([lambda, gitlab, ghes], { org: ORG, repositories: REPOS });

    // Assert
    expect(trusts.map((t) => [t.provider, t.repositories])).toEqual([
      ['ghe.example.com/_services/token', ['app']],
    ]);
  });

  it('names the repositories whose workflows name the role', () => {
    // Arrange
    const role = githubRole('deploy-app', {
      StringEquals: {
        'token.actions.githubusercontent.com:sub': `repo:${ORG}/app:environment:prod`,
      },
    });

    // Act
    const [trust] = githubOidcTrusts([role], {
      org: ORG,
      repositories: REPOS,
      workflowRoles: [
        { repository: 'app', path: '.github/workflows/deploy.yml', roleArns: [role.arn] },
      ],
    });

    // Assert
    expect(trust!.workflowRepositories).toEqual(['app']);
  });
});

describe('wildcard matching', () => {
  it('matches IAM StringLike patterns', () => {
    expect(wildcardMatch('repo:a/*', 'repo:a/b:ref:x')).toBe(true);
    expect(wildcardMatch('repo:a/?', 'repo:a/bc')).toBe(false);
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('a*b*c', 'axxbyyc')).toBe(true);
    expect(wildcardMatch('a*b*c', 'axxbyy')).toBe(false);
  });

  it('tells whether a pattern can match something starting with a prefix', () => {
    expect(wildcardPrefix('repo:a/app:*', 'repo:a/app:')).toBe(true);
    expect(wildcardPrefix('repo:a/app:*', 'repo:a/app-x:')).toBe(false);
    expect(wildcardPrefix('repo:a/app*', 'repo:a/app-x:')).toBe(true);
    expect(wildcardPrefix('repo:a/app', 'repo:a/app')).toBe(true);
  });
});
