import { describe, expect, it } from 'vitest';
import { INLINE_PREFIX_LIMIT } from '#functions/shared/contract.ts';
import { CONTAINMENT_HANDLER_NAMES } from '../../cdk/constructs/leash-functions.ts';
import {
  type AslDefinition,
  type AslState,
  LAMBDA_RETRY_ERRORS,
  scanStateMachineDefinition,
  TRAIL_FOLDERS_PER_BATCH,
} from '../../cdk/constructs/scan-state-machine.ts';
import { aLeashStack, FULL_CONTEXT, resourcesOf } from './leash-app.ts';

const standard = aLeashStack();
const definition = scanStateMachineDefinition(standard.template.toJSON(), {
  bucketName: 'leash-bucket-test',
});

/** The states of a Map's item processor. */
function processorOf(map: AslState): AslDefinition {
  return map.ItemProcessor as AslDefinition;
}

/** Every state of the definition, nested ones included, by name. */
function allStates(def: AslDefinition): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(def.States)) {
    states[name] = state;
    if (state.Type === 'Map') Object.assign(states, allStates(processorOf(state)));
  }
  return states;
}

/** Follows `Next` from `start` until a state ends the flow. */
function pathFrom(def: AslDefinition, start: string): string[] {
  const path: string[] = [];
  let name: string | undefined = start;
  while (name) {
    path.push(name);
    name = def.States[name]?.Next as string | undefined;
  }
  return path;
}

const states = allStates(definition);
const collectAccounts = definition.States.CollectAccounts!;
const perAccount = processorOf(collectAccounts);

describe('scan state machine', () => {
  describe('definition', () => {
    it('starts the scan, collects the accounts, then analyses and publishes', () => {
      // Act
      const main = pathFrom(definition, definition.StartAt);

      // Assert
      expect(main).toEqual(['StartScan', 'CollectAccounts', 'EntraConfigured']);
      expect(pathFrom(definition, 'CollectEntra')).toEqual([
        'CollectEntra',
        'AnalyzeScan',
        'PublishEvents',
        'ScanSucceeded',
      ]);
      expect(states.ScanSucceeded!.Type).toBe('Succeed');
    });

    it('gives start-scan the execution name, input and start time', () => {
      // Act
      const startScan = states.StartScan!;

      // Assert
      expect(startScan.Parameters).toEqual({
        FunctionName: 'start-scan',
        Payload: {
          'executionName.$': '$$.Execution.Name',
          'input.$': '$$.Execution.Input',
          'startTime.$': '$$.Execution.StartTime',
        },
      });
      expect(startScan.OutputPath).toBe('$.Payload');
    });

    it('maps over accounts.json in a Distributed Map that tolerates failed accounts', () => {
      // Assert
      expect(collectAccounts).toMatchObject({
        Type: 'Map',
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'leash-bucket-test', 'Key.$': '$.accounts.key' },
        },
        MaxConcurrency: 10,
        ToleratedFailurePercentage: 100,
        ResultPath: null,
        Label: 'CollectAccounts',
        Next: 'EntraConfigured',
      });
      expect(collectAccounts).not.toHaveProperty('ItemSelector');
    });

    it('takes the account concurrency from leash:accountConcurrency', () => {
      // Arrange
      const { template } = aLeashStack(FULL_CONTEXT);

      // Act
      const def = scanStateMachineDefinition(template.toJSON());

      // Assert
      expect(def.States.CollectAccounts!.MaxConcurrency).toBe(25);
    });

    it('collects an account, then reads its usage from the source collect-account found', () => {
      // Act
      const choice = perAccount.States.UsageSource!;

      // Assert
      expect(perAccount.StartAt).toBe('CollectAccount');
      expect(states.CollectAccount).toMatchObject({
        Parameters: { FunctionName: 'collect-account', 'Payload.$': '$' },
        ResultSelector: {
          'usage.$': '$.Payload.usage',
          'prefixes.$': '$.Payload.prefixes',
          'prefixCount.$': '$.Payload.prefixCount',
        },
        ResultPath: '$.collected',
        Next: 'UsageSource',
      });
      expect(choice).toEqual({
        Type: 'Choice',
        Comment: expect.any(String),
        Choices: [
          {
            And: [
              { Variable: '$.collected.usage', StringEquals: 'trail' },
              { Variable: '$.collected.prefixCount', NumericGreaterThan: INLINE_PREFIX_LIMIT },
            ],
            Next: 'ReadTrailFolders',
          },
          { Variable: '$.collected.usage', StringEquals: 'trail', Next: 'ReadTrailFoldersInline' },
          { Variable: '$.collected.usage', StringEquals: 'lookup', Next: 'ReadEventHistory' },
          { Variable: '$.collected.usage', StringEquals: 'none', Next: 'AccountDone' },
        ],
        Default: 'UnknownUsageSource',
      });
      expect(states.UnknownUsageSource).toMatchObject({ Type: 'Fail' });
    });

    it('reads many trail folders in batches through a nested Distributed Map', () => {
      // Act
      const map = states.ReadTrailFolders!;

      // Assert
      expect(map).toMatchObject({
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'ReadTrailBatch',
        },
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'leash-bucket-test', 'Key.$': '$.collected.prefixes.key' },
        },
        ItemBatcher: { MaxItemsPerBatch: TRAIL_FOLDERS_PER_BATCH },
        MaxConcurrency: 10,
        ResultPath: null,
        Next: 'AccountDone',
      });
      // The batch ({Items: [...]}) is the function's whole input.
      expect(states.ReadTrailBatch).toMatchObject({
        Parameters: { FunctionName: 'read-trail-objects', 'Payload.$': '$' },
        OutputPath: '$.Payload',
        End: true,
      });
    });

    it('reads few folders in one invocation, and Event history with the window and account', () => {
      // Assert
      expect(states.ReadTrailFoldersInline).toMatchObject({
        Parameters: {
          FunctionName: 'read-trail-objects',
          Payload: { 'manifest.$': '$.collected.prefixes' },
        },
        ResultPath: null,
        Next: 'AccountDone',
      });
      expect(states.ReadEventHistory).toMatchObject({
        Parameters: {
          FunctionName: 'read-event-history',
          Payload: {
            'runId.$': '$.runId',
            'asOf.$': '$.asOf',
            'from.$': '$.from',
            'to.$': '$.to',
            'accountId.$': '$.accountId',
          },
        },
        ResultPath: null,
        Next: 'AccountDone',
      });
    });

    it('ends each account with an empty output, so thousands of accounts fit the map result', () => {
      // Assert
      expect(states.AccountDone).toMatchObject({ Type: 'Pass', Result: {}, End: true });
    });

    it('collects Entra only when start-scan says it is configured', () => {
      // Assert
      expect(states.EntraConfigured).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.entra', BooleanEquals: true, Next: 'CollectEntra' }],
        Default: 'AnalyzeScan',
      });
      const runWindow = {
        'runId.$': '$.runId',
        'asOf.$': '$.asOf',
        'from.$': '$.from',
        'to.$': '$.to',
      };
      expect(states.CollectEntra).toMatchObject({
        Parameters: { FunctionName: 'collect-entra', Payload: runWindow },
        ResultPath: null,
      });
      expect(states.AnalyzeScan).toMatchObject({
        Parameters: { FunctionName: 'analyze-scan', Payload: runWindow },
        OutputPath: '$.Payload',
      });
      expect(states.PublishEvents).toMatchObject({
        Parameters: { FunctionName: 'publish-events', 'Payload.$': '$' },
        ResultPath: null,
      });
    });

    it('invokes every Lambda through lambda:invoke, retrying service errors with backoff', () => {
      // Act
      const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');

      // Assert
      expect(tasks.map(([name]) => name).sort()).toEqual(
        [
          'AnalyzeScan',
          'CollectAccount',
          'CollectEntra',
          'PublishEvents',
          'ReadEventHistory',
          'ReadTrailBatch',
          'ReadTrailFoldersInline',
          'StartScan',
        ].sort(),
      );
      for (const [, task] of tasks) {
        expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
        expect(task.Retry).toEqual([
          {
            ErrorEquals: [...LAMBDA_RETRY_ERRORS],
            IntervalSeconds: 2,
            MaxAttempts: 6,
            BackoffRate: 2,
            MaxDelaySeconds: 60,
            JitterStrategy: 'FULL',
          },
        ]);
        expect(LAMBDA_RETRY_ERRORS).toContain('Lambda.TooManyRequestsException');
      }
    });

    it('keeps to the ASL subset an in-process interpreter runs', () => {
      // Act
      const text = JSON.stringify(definition);

      // Assert
      for (const state of Object.values(states)) {
        expect(['Task', 'Map', 'Choice', 'Pass', 'Succeed', 'Fail']).toContain(state.Type);
        expect(state).not.toHaveProperty('QueryLanguage');
        expect(state).not.toHaveProperty('Arguments');
      }
      expect(definition).not.toHaveProperty('QueryLanguage');
      expect(text).not.toMatch(/States\.(?!Format|JsonMerge)[A-Za-z]+\(/);
      expect(text).not.toContain('{%');
    });

    it('stops a scan that runs longer than 23 hours', () => {
      // Assert
      expect(definition.TimeoutSeconds).toBe(23 * 3600);
    });
  });

  describe('resource', () => {
    it('is STANDARD, traced, and logs errors without execution data to its own log group', () => {
      // Arrange
      const { template } = standard;
      const [logGroupId] = Object.keys(
        template.findResources('AWS::Logs::LogGroup', {
          Properties: { RetentionInDays: 90 },
          DeletionPolicy: 'Retain',
        }),
      ).filter((id) => id.startsWith('Scan'));

      // Act / Assert
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ERROR',
          IncludeExecutionData: false,
          Destinations: [
            { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } },
          ],
        },
      });
    });

    it('holds exactly the permissions the scan needs', () => {
      // Arrange
      const { template } = standard;
      const [machine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
      const roleId = machine!.Properties.RoleArn['Fn::GetAtt'][0];
      const fnIds = Object.keys(resourcesOf(template, 'AWS::Lambda::Function'));

      // Act
      const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      const byAction = (action: string) =>
        statements.filter((s) => [s.Action].flat().includes(action));

      // Assert: invoke the seven step functions (not the weekly report, nor containment's), by
      // exact ARN.
      const invoked = byAction('lambda:InvokeFunction').map((s) => s.Resource['Fn::GetAtt'][0]);
      const others = new Set<string>(['send-weekly-report', ...CONTAINMENT_HANDLER_NAMES]);
      const notScan = fnIds.filter((id) =>
        others.has(
          template.toJSON().Resources[id].Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
        ),
      );
      expect(invoked.sort()).toEqual(fnIds.filter((id) => !notScan.includes(id)).sort());
      // Read only the run files, decrypting through S3.
      expect(byAction('s3:GetObject')).toEqual([
        expect.objectContaining({
          Resource: {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.any(String), 'Arn'] }, '/work/runs/*']],
          },
        }),
      ]);
      expect(byAction('kms:Decrypt')).toEqual([
        expect.objectContaining({
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
        }),
      ]);
      // Start, watch and redrive its own child executions.
      expect(byAction('states:StartExecution')[0].Resource).toEqual({
        Ref: Object.keys(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0],
      });
      expect(byAction('states:DescribeExecution')).toHaveLength(1);
      expect(byAction('states:RedriveExecution')[0].Resource).toHaveLength(2);
      // Nothing else, apart from log delivery and X-Ray.
      const known = statements
        .flatMap((s) => [s.Action].flat())
        .filter(
          (a: string) =>
            !a.startsWith('logs:') &&
            !a.startsWith('xray:') &&
            ![
              'lambda:InvokeFunction',
              's3:GetObject',
              'kms:Decrypt',
              'states:StartExecution',
              'states:DescribeExecution',
              'states:StopExecution',
              'states:RedriveExecution',
            ].includes(a),
        );
      expect(known).toEqual([]);
    });
  });
});
