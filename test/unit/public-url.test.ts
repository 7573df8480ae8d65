// The start-up warning for real mail whose links point at this machine.
import { describe, expect, it } from 'vitest';
import { publicUrlWarning } from '../../src/cli/start.js';

describe('publicUrlWarning', () => {
  it('warns when mail goes to a relay and links use a loopback address', () => {
    expect(publicUrlWarning('smtp://relay.example:587', 'http://127.0.0.1:8080')).toMatch(
      /set RAPPORT_PUBLIC_URL/,
    );
    expect(publicUrlWarning('smtps://u:p@relay.example', 'http://localhost:8080/')).toMatch(
      /customers cannot reach/,
    );
  });

  it('is quiet for the file outbox and for a public address', () => {
    expect(publicUrlWarning('file:data/outbox', 'http://127.0.0.1:8080')).toBeUndefined();
    expect(publicUrlWarning('smtp://relay.example:587', 'https://mail.corner.example')).toBeUndefined();
  });
});
