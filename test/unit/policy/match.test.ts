import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '#core/catalog/catalog.ts';
import { ActionMatcher, globToRegExp } from '#core/policy/match.ts';

describe('globToRegExp', () => {
  it.each([
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get*', 's3:getobject', true],
    ['s3:Get*', 'xs3:GetObject', false],
    ['s3:Get*', 's3:PutObject', false],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:GetOObject', false],
    ['s3:Get?bject', 's3:Getbject', false],
    ['*', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
  ])('matches %s against %s: %s', (glob, text, expected) => {
    // Arrange
    const re = globToRegExp(glob);

    // Act
    const matched = re.test(text);

    // Assert
    expect(matched).toBe(expected);
  });

  it.each([
    ['a.b', 'a.b', 'axb'],
    ['a+b', 'a+b', 'aab'],
    ['(ab)', '(ab)', 'ab'],
    ['[ab]', '[ab]', 'a'],
    ['a{2}', 'a{2}', 'aa'],
    ['a|b', 'a|b', 'a'],
    ['^a$', '^a$', 'a'],
    ['a\\b', 'a\\b', 'ab'],
  ])('treats regular expression syntax in %s literally', (glob, literal, notLiteral) => {
    // Arrange
    const re = globToRegExp(glob);

    // Act
    const results = [re.test(literal), re.test(notLiteral)];

    // Assert
    expect(results).toEqual([true, false]);
  });

  it('anchors the pattern at both ends', () => {
    // Arrange
    const re = globToRegExp('iam:PassRole');

    // Act
    const results = [re.test('iam:PassRole'), re.test('iam:PassRoleX'), re.test('Xiam:PassRole')];

    // Assert
    expect(results).toEqual([true, false, false]);
  });
});

describe('ActionMatcher', () => {
  const catalog = buildCatalog(
    [
      { service: 's3', name: 'GetObject', accessLevel: 'Read', resourceTypeCount: 1 },
      { service: 's3', name: 'GetObjectAcl', accessLevel: 'Read', resourceTypeCount: 1 },
      { service: 's3', name: 'PutObject', accessLevel: 'Write', resourceTypeCount: 1 },
      { service: 's3-outposts', name: 'GetObject', accessLevel: 'Read', resourceTypeCount: 1 },
      { service: 'ec2', name: 'DescribeInstances', accessLevel: 'List', resourceTypeCount: 0 },
      { service: 'a.b', name: 'Get', accessLevel: 'Read', resourceTypeCount: 0 },
      { service: 'axb', name: 'Get', accessLevel: 'Read', resourceTypeCount: 0 },
    ],
    'test',
  );
  const names = (set: { ids(): Iterable<number> }) =>
    [...set.ids()].map((id) => catalog.actions[id]!.qualified);
  let matcher: ActionMatcher;

  beforeAll(() => {
    matcher = new ActionMatcher(catalog);
  });

  it('returns the cached expansion for the same pattern in any case and spacing', () => {
    // Arrange
    const first = matcher.expand('S3:Get*');

    // Act
    const again = [matcher.expand('s3:get*'), matcher.expand('  s3:GET*  ')];

    // Assert
    expect(again[0]).toBe(first);
    expect(again[1]).toBe(first);
    expect(names(first.set)).toEqual(['s3:GetObject', 's3:GetObjectAcl']);
  });

  it('is not corrupted by a caller unioning into an expandAll result', () => {
    // Arrange
    const before = names(matcher.expand('s3:PutObject').set);

    // Act
    const all = matcher.expandAll(['s3:PutObject']);
    all.set.unionWith(matcher.expand('ec2:*').set);

    // Assert
    expect(names(matcher.expand('s3:PutObject').set)).toEqual(before);
  });

  it('expands "*" to every action', () => {
    // Arrange
    const pattern = '*';

    // Act
    const expansion = matcher.expand(pattern);

    // Assert
    expect(expansion.known).toBe(true);
    expect(expansion.set.count()).toBe(catalog.actions.length);
  });

  it('matches wildcards in the service prefix against every service', () => {
    // Arrange
    const pattern = 's3*:GetObject';

    // Act
    const expansion = matcher.expand(pattern);

    // Assert
    expect(names(expansion.set)).toEqual(['s3-outposts:GetObject', 's3:GetObject']);
  });

  it('does not read a dot in a wildcard service prefix as any character', () => {
    // Arrange
    const pattern = 'a.*:Get';

    // Act
    const expansion = matcher.expand(pattern);

    // Assert
    expect(names(expansion.set)).toEqual(['a.b:Get']);
  });

  it.each([
    's3:NoSuch',
    'nosuch:*',
    'nocolon',
    ':GetObject',
    's3:Zz*',
  ])('reports %s as unknown', (pattern) => {
    // Arrange
    const patterns = ['s3:GetObject', pattern];

    // Act
    const { set, unknown } = matcher.expandAll(patterns);

    // Assert
    expect(unknown).toEqual([pattern]);
    expect(names(set)).toEqual(['s3:GetObject']);
  });
});
