import { existsSync, readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HANDLER_ENTRIES, HANDLER_NAMES } from '../../cdk/constructs/leash-functions.ts';
import { scanStateMachineDefinition } from '../../cdk/constructs/scan-state-machine.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';
import { anApp } from './leash-app.ts';

// These tests need the real handlers (functions/<name>.ts); the others run on a fixture entry.
describe('the deployed app', () => {
  it.each(HANDLER_NAMES)('has the handler file functions/%s.ts, exporting `handler`', (name) => {
    // Arrange
    const entry = HANDLER_ENTRIES[name];

    // Act
    const exists = existsSync(entry);

    // Assert
    expect(entry).toBe(`functions/${name}.ts`);
    expect(exists, `${entry} is missing`).toBe(true);
    expect(readFileSync(entry, 'utf8')).toMatch(/export (const|async function|function) handler\b/);
  });

  it('synthesizes the stack from the real handler files', () => {
    // Arrange: bundling skipped; NodejsFunction still insists that each entry exists.
    const app = anApp();

    // Act
    const stack = new LeashStack(app, 'Leash');

    // Assert
    const definition = scanStateMachineDefinition(Template.fromStack(stack).toJSON());
    expect(definition.StartAt).toBe('StartScan');
  });
});
