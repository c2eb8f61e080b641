import { describe, expect, it } from 'vitest';
import { errorMessage, errorName, sdkAttempts } from './errors.js';

describe('reading caught values', () => {
  it('reads message and name from errors and from anything else thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorName(Object.assign(new Error('x'), { name: 'ResourceInUseException' }))).toBe(
      'ResourceInUseException',
    );
    expect(errorName({ code: 'ECONNRESET' })).toBe('ECONNRESET');
    expect(errorName(42)).toBe('Error');
  });

  it("counts the SDK's attempts, 1 when the error does not say", () => {
    expect(sdkAttempts({ $metadata: { attempts: 3 } })).toBe(3);
    expect(sdkAttempts({ $metadata: {} })).toBe(1);
    expect(sdkAttempts({ $metadata: { attempts: 0 } })).toBe(1);
    expect(sdkAttempts(new Error('x'))).toBe(1);
    expect(sdkAttempts(undefined)).toBe(1);
  });
});
