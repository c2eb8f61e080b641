import { describe, expect, it } from 'vitest';
import { createClients, THROTTLED_CALLER_RETRIES } from './clients.js';

describe('createClients', () => {
  it('gives throttled callers (the Lambdas) five attempts in the standard, full-jitter retry mode', async () => {
    const clients = createClients({ region: 'us-east-1' }, {}, THROTTLED_CALLER_RETRIES);
    for (const c of [clients.kinesis, clients.cloudwatch]) {
      expect(await c.config.maxAttempts()).toBe(5);
      expect(c.config.retryMode).toBe('standard');
    }
    for (const c of Object.values(clients)) c.destroy();
  });

  it("keeps the SDK's defaults for everyone else", async () => {
    const clients = createClients({ region: 'us-east-1' }, {});
    expect(await clients.kinesis.config.maxAttempts()).toBe(3);
    for (const c of Object.values(clients)) c.destroy();
  });
});
