import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LeashSettingsError, readLeashSettings, SETTINGS_DEFAULTS } from '../../cdk/settings.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';
import { FIXTURE_ENTRIES } from './leash-app.ts';

/** Settings read from an app carrying the given context. */
function settingsWith(context: Record<string, unknown>) {
  return readLeashSettings(new App({ context }).node);
}

/** The error message settingsWith throws, or '' when it does not. */
function problemWith(context: Record<string, unknown>): string {
  try {
    settingsWith(context);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(LeashSettingsError);
    return (error as Error).message;
  }
}

describe('Leash settings', () => {
  it('documents every setting in cdk.json with the same default the code uses', () => {
    // Arrange
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as {
      context: Record<string, unknown>;
    };

    // Act
    const documented = Object.fromEntries(
      Object.entries(cdkJson.context).filter(([key]) => key.startsWith('leash:')),
    );

    // Assert
    expect(documented).toEqual(SETTINGS_DEFAULTS);
  });

  it('defaults to one account, no Entra, a daily scan at 03:00 UTC and a Monday report', () => {
    // Act
    const settings = settingsWith({});

    // Assert
    expect(settings).toEqual({
      mode: 'account',
      entra: false,
      scanSchedule: 'cron(0 3 * * ? *)',
      reportSchedule: 'cron(0 7 ? * MON *)',
      scheduleTimezone: 'UTC',
      lookbackDays: 90,
      notificationEmails: [],
      accountConcurrency: 10,
      regions: [],
      eventArchiveDays: 0,
      approvalTtlMinutes: 1440,
      protectedNamePatterns: [],
    });
  });

  it('accepts the string forms `cdk -c key=value` passes', () => {
    // Act
    const settings = settingsWith({
      'leash:mode': 'organization',
      'leash:managementAccountId': '111111111111',
      'leash:entra': 'true',
      'leash:lookbackDays': '30',
      'leash:accountConcurrency': '50',
      'leash:notificationEmails': ' a@example.com, b@example.com ,',
      'leash:regions': 'us-east-1,eu-west-1',
      'leash:scheduleTimezone': 'Europe/Berlin',
    });

    // Assert
    expect(settings).toMatchObject({
      mode: 'organization',
      managementAccountId: '111111111111',
      entra: true,
      lookbackDays: 30,
      accountConcurrency: 50,
      notificationEmails: ['a@example.com', 'b@example.com'],
      regions: ['us-east-1', 'eu-west-1'],
      scheduleTimezone: 'Europe/Berlin',
    });
  });

  it('accepts lists written as JSON arrays in cdk.json', () => {
    // Act
    const settings = settingsWith({ 'leash:notificationEmails': ['a@example.com'] });

    // Assert
    expect(settings.notificationEmails).toEqual(['a@example.com']);
  });

  it.each([
    [{ 'leash:mode': 'org' }, /leash:mode: must be account or organization \(got "org"\)/],
    [
      { 'leash:mode': 'organization' },
      /leash:managementAccountId: is required when leash:mode is organization/,
    ],
    [{ 'leash:managementAccountId': '12345' }, /leash:managementAccountId: must be a 12-digit/],
    [{ 'leash:entra': 'yes' }, /leash:entra: must be true or false \(got "yes"\)/],
    [{ 'leash:scanSchedule': '0 3 * * *' }, /leash:scanSchedule: must be cron\(<6 fields>\)/],
    [{ 'leash:reportSchedule': 'cron(0 7 * * MON)' }, /leash:reportSchedule: must be cron/],
    [{ 'leash:scheduleTimezone': 'Mars/Olympus' }, /leash:scheduleTimezone: must be an IANA/],
    [{ 'leash:lookbackDays': 0 }, /leash:lookbackDays: must be at least 1 \(got 0\)/],
    [{ 'leash:lookbackDays': 401 }, /leash:lookbackDays: must be at most 400/],
    [{ 'leash:lookbackDays': '90d' }, /leash:lookbackDays: must be a whole number/],
    [{ 'leash:accountConcurrency': 2.5 }, /leash:accountConcurrency: must be a whole number/],
    [
      { 'leash:notificationEmails': 'security' },
      /leash:notificationEmails: must be a list of email/,
    ],
    [{ 'leash:regions': 'us-east-1,Frankfurt' }, /leash:regions: must be a list of region codes/],
  ])('rejects %j, naming the setting and what it expects', (context, message) => {
    // Act
    const problem = problemWith(context);

    // Assert
    expect(problem).toMatch(message);
    expect(problem).toMatch(/^Invalid Leash settings \(CDK context; set them in cdk.json/);
  });

  it('reports every invalid setting at once', () => {
    // Act
    const problem = problemWith({ 'leash:mode': 'org', 'leash:lookbackDays': -1 });

    // Assert
    expect(problem).toMatch(/leash:mode/);
    expect(problem).toMatch(/leash:lookbackDays/);
  });

  it('stops synthesis of the stack on an invalid setting', () => {
    // Arrange
    const app = new App({ context: { 'leash:accountConcurrency': 0 } });

    // Act / Assert
    expect(() => new LeashStack(app, 'Leash', { entries: FIXTURE_ENTRIES })).toThrow(
      LeashSettingsError,
    );
  });
});
