/**
 * Retry timing and the retry middleware of the Graph client, against a fake next middleware
 * (no network).
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { GraphRetryHandler, retryDelayMs } from '#connectors/entra/graph-client.ts';

describe('retryDelayMs', () => {
  it('honours Retry-After in seconds and as an HTTP date, capped at 180 s', () => {
    // Arrange
    const now = Date.parse('2026-11-15T00:00:00Z');
    // Act / Assert
    expect(retryDelayMs('7', 1, now)).toBe(7000);
    expect(retryDelayMs('0', 1, now)).toBe(0);
    expect(retryDelayMs('Sun, 15 Nov 2026 00:00:30 GMT', 1, now)).toBe(30_000);
    expect(retryDelayMs('Sat, 14 Nov 2026 00:00:00 GMT', 1, now)).toBe(0);
    expect(retryDelayMs('3600', 1, now)).toBe(180_000);
  });

  it('backs off exponentially from 1 s without Retry-After', () => {
    // Act
    const delays = [1, 2, 3, 9].map((a) => retryDelayMs(undefined, a));
    // Assert
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
    expect(delays[0]).toBeLessThan(1250);
    expect(delays[1]).toBeGreaterThanOrEqual(2000);
    expect(delays[2]).toBeGreaterThanOrEqual(4000);
    expect(delays[3]).toBe(180_000);
  });
});

describe('GraphRetryHandler', () => {
  /** The next middleware: answers the given statuses in turn. */
  function answers(
    ...statuses: [number, Record<string, string>?][]
  ): Middleware & { calls: number } {
    const next = {
      calls: 0,
      async execute(context: Context) {
        const [status, headers] = statuses[Math.min(next.calls++, statuses.length - 1)]!;
        context.response = new Response(status === 204 ? null : '{}', {
          status,
          headers: headers ?? {},
        });
      },
    };
    return next;
  }

  it('retries 429, 503 and 504 honouring Retry-After, then returns the answer', async () => {
    // Arrange
    const sleeps: number[] = [];
    const handler = new GraphRetryHandler(3, async (ms) => void sleeps.push(ms));
    const next = answers(
      [429, { 'Retry-After': '2' }],
      [503],
      [504, { 'Retry-After': '1' }],
      [200],
    );
    handler.setNext(next);
    const context: Context = {
      request: 'https://graph.microsoft.com/v1.0/x',
      options: { method: 'GET' },
    };
    // Act
    await handler.execute(context);
    // Assert
    expect(context.response?.status).toBe(200);
    expect(next.calls).toBe(4);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[2]).toBe(1000);
    expect((context.options?.headers as Record<string, string>)['Retry-Attempt']).toBe('3');
  });

  it('stops after maxRetries, and never retries other statuses or streamed bodies', async () => {
    // Arrange
    const sleeps: number[] = [];
    const limited = new GraphRetryHandler(1, async (ms) => void sleeps.push(ms));
    const alwaysThrottled = answers([429, { 'Retry-After': '1' }]);
    limited.setNext(alwaysThrottled);
    const notFound = new GraphRetryHandler(3, async (ms) => void sleeps.push(ms));
    const next404 = answers([404]);
    notFound.setNext(next404);
    const streamed = new GraphRetryHandler(3, async (ms) => void sleeps.push(ms));
    const nextStream = answers([503]);
    streamed.setNext(nextStream);
    // Act
    await limited.execute({ request: 'u', options: { method: 'GET' } });
    await notFound.execute({ request: 'u', options: { method: 'GET' } });
    await streamed.execute({ request: 'u', options: { method: 'PUT', body: new Blob(['x']) } });
    // Assert
    expect([alwaysThrottled.calls, next404.calls, nextStream.calls]).toEqual([2, 1, 1]);
    expect(sleeps).toEqual([1000]);
  });
  it('returns a throttled answer at once when Graph asks to wait longer than the cap', async () => {
    // Arrange
    const sleeps: number[] = [];
    const capped = new GraphRetryHandler(3, async (ms) => void sleeps.push(ms), 20_000);
    const next = answers([429, { 'Retry-After': '5' }], [429, { 'Retry-After': '120' }], [200]);
    capped.setNext(next);
    const context: Context = { request: 'u', options: { method: 'GET' } };

    // Act
    await capped.execute(context);

    // Assert
    expect(context.response?.status).toBe(429);
    expect(next.calls).toBe(2);
    expect(sleeps).toEqual([5000]);
  });
});
