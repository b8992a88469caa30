import { describe, expect, it } from 'vitest';
import { isCredentialReport, parseCredentialReport } from '#core/iam/credential-report.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { userArn } from '#test/helpers/builders.ts';

const FILE = 'iam/credential-report.csv';

const COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

type Column = (typeof COLUMNS)[number];

/** One CSV row for a user with neither password nor keys; override any column. */
function row(user: string, overrides: Partial<Record<Column, string>> = {}): string {
  const defaults: Record<Column, string> = {
    user,
    arn: userArn(user),
    user_creation_time: '2024-01-01T00:00:00+00:00',
    password_enabled: 'false',
    password_last_used: 'N/A',
    password_last_changed: 'N/A',
    password_next_rotation: 'N/A',
    mfa_active: 'false',
    access_key_1_active: 'false',
    access_key_1_last_rotated: 'N/A',
    access_key_1_last_used_date: 'N/A',
    access_key_1_last_used_region: 'N/A',
    access_key_1_last_used_service: 'N/A',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
    access_key_2_last_used_region: 'N/A',
    access_key_2_last_used_service: 'N/A',
    cert_1_active: 'false',
    cert_1_last_rotated: 'N/A',
    cert_2_active: 'false',
    cert_2_last_rotated: 'N/A',
  };
  const values = { ...defaults, ...overrides };
  return COLUMNS.map((c) => values[c]).join(',');
}

/** The report text for the rows, with the real header. */
function report(...rows: string[]): string {
  return [COLUMNS.join(','), ...rows].join('\n');
}

describe('isCredentialReport', () => {
  it.each([
    [report(), true],
    [`\uFEFF${report()}`, true],
    ['user,arn,password_enabled', false],
    ['{"Content":"..."}', false],
  ])('recognises the header of %j: %s', (text, expected) => {
    // Arrange
    const input = text;

    // Act
    const result = isCredentialReport(input);

    // Assert
    expect(result).toBe(expected);
  });
});

describe('parseCredentialReport', () => {
  it('reads N/A, no_information and not_supported as no date', () => {
    // Arrange
    const text = report(
      row('alice', {
        password_enabled: 'true',
        password_last_used: 'no_information',
        password_last_changed: 'not_supported',
        user_creation_time: 'N/A',
      }),
    );
    const issues: InputIssue[] = [];

    // Act
    const [alice] = parseCredentialReport(text, FILE, issues);

    // Assert
    expect(alice).toEqual({
      user: 'alice',
      arn: userArn('alice'),
      passwordEnabled: true,
      mfaActive: false,
      accessKeys: [],
    });
    expect(issues).toEqual([]);
  });

  it('reads dates, MFA and both access key slots', () => {
    // Arrange
    const text = report(
      row('bob', {
        password_enabled: 'true',
        password_last_used: '2026-10-01T08:00:00+00:00',
        password_last_changed: '2025-01-01T00:00:00+00:00',
        mfa_active: 'true',
        access_key_1_active: 'true',
        access_key_1_last_rotated: '2025-02-01T00:00:00+00:00',
        access_key_1_last_used_date: '2026-11-01T00:00:00+00:00',
        access_key_1_last_used_service: 's3',
        access_key_2_active: 'false',
        access_key_2_last_rotated: '2024-06-01T00:00:00+00:00',
      }),
    );

    // Act
    const [bob] = parseCredentialReport(text, FILE, []);

    // Assert
    expect(bob).toEqual({
      user: 'bob',
      arn: userArn('bob'),
      userCreationTime: '2024-01-01T00:00:00+00:00',
      passwordEnabled: true,
      passwordLastUsed: '2026-10-01T08:00:00+00:00',
      passwordLastChanged: '2025-01-01T00:00:00+00:00',
      mfaActive: true,
      accessKeys: [
        {
          slot: 1,
          active: true,
          lastRotated: '2025-02-01T00:00:00+00:00',
          lastUsedDate: '2026-11-01T00:00:00+00:00',
          lastUsedService: 's3',
        },
        { slot: 2, active: false, lastRotated: '2024-06-01T00:00:00+00:00' },
      ],
    });
  });

  it('keeps an active key that was never used without a use date or service', () => {
    // Arrange
    const text = report(
      row('carol', {
        access_key_1_active: 'true',
        access_key_1_last_rotated: '2025-02-01T00:00:00+00:00',
      }),
    );

    // Act
    const [carol] = parseCredentialReport(text, FILE, []);

    // Assert
    expect(carol!.accessKeys).toEqual([
      { slot: 1, active: true, lastRotated: '2025-02-01T00:00:00+00:00' },
    ]);
  });

  it('skips a row with the wrong column count, naming its line, and reads the others', () => {
    // Arrange
    const text = report(row('alice'), 'bob,arn:aws:iam::111111111111:user/bob,true', row('carol'));
    const issues: InputIssue[] = [];

    // Act
    const rows = parseCredentialReport(text, FILE, issues);

    // Assert
    expect(rows.map((r) => r.user)).toEqual(['alice', 'carol']);
    expect(issues).toEqual([
      {
        file: FILE,
        location: 'line 3',
        reason: 'invalid-csv-row',
        detail: `expected ${COLUMNS.length} columns, found 3; skipped`,
      },
    ]);
  });

  it('names the line of a bad row as it is numbered in the file, counting blank lines', () => {
    // Arrange
    const text = [COLUMNS.join(','), row('alice'), '', 'bob,too,few'].join('\n');
    const issues: InputIssue[] = [];

    // Act
    parseCredentialReport(text, FILE, issues);

    // Assert
    expect(issues.map((i) => i.location)).toEqual(['line 4']);
  });

  it('accepts CRLF line ends, a byte order mark and a trailing newline', () => {
    // Arrange
    const text = `\uFEFF${[COLUMNS.join(','), row('alice'), row('bob')].join('\r\n')}\r\n`;
    const issues: InputIssue[] = [];

    // Act
    const rows = parseCredentialReport(text, FILE, issues);

    // Assert
    expect(rows.map((r) => r.user)).toEqual(['alice', 'bob']);
    expect(issues).toEqual([]);
  });

  it('rejects a report missing required columns, naming them', () => {
    // Arrange
    const text = 'user,arn,user_creation_time\nalice,arn,2024-01-01';
    const issues: InputIssue[] = [];

    // Act
    const rows = parseCredentialReport(text, FILE, issues);

    // Assert
    expect(rows).toEqual([]);
    expect(issues).toEqual([
      {
        file: FILE,
        reason: 'invalid-credential-report',
        detail: 'missing columns: password_enabled, access_key_1_active',
      },
    ]);
  });

  it('rejects empty text as missing every required column', () => {
    // Arrange
    const issues: InputIssue[] = [];

    // Act
    const rows = parseCredentialReport('', FILE, issues);

    // Assert
    expect(rows).toEqual([]);
    expect(issues[0]?.reason).toBe('invalid-credential-report');
  });

  it('reads an unparseable date as no date', () => {
    // Arrange
    const text = report(row('alice', { password_last_used: 'yesterday' }));

    // Act
    const [alice] = parseCredentialReport(text, FILE, []);

    // Assert
    expect(alice!.passwordLastUsed).toBeUndefined();
  });
});
