import { describe, expect, it } from 'vitest';
import { HubClient } from '../src/lib/protocol';
import { refreshAt } from '../src/lib/session';
import { FakeClock, FakeSocket } from './fakes';

const jwt = (claims: Record<string, unknown>) =>
  `h.${btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.sig`;

describe('token refresh', () => {
  it('is due when three quarters of the token life have passed', () => {
    const iat = Date.parse('2026-12-04T10:00:00Z') / 1000;
    const expires_at = '2026-12-04T22:00:00Z'; // a 12-hour token
    expect(new Date(refreshAt({ token: jwt({ iat }), expires_at })).toISOString()).toBe('2026-12-04T19:00:00.000Z');
  });

  it('falls back to 15 minutes before expiry when the token cannot be read', () => {
    const expires_at = '2026-12-04T22:00:00Z';
    expect(new Date(refreshAt({ token: 'garbage', expires_at })).toISOString()).toBe('2026-12-04T21:45:00.000Z');
    expect(new Date(refreshAt({ token: jwt({ iat: 'x' }), expires_at })).toISOString()).toBe('2026-12-04T21:45:00.000Z');
  });

  it('hands the new token to the open socket, not to a closed one', () => {
    let token = 'old';
    const sockets: FakeSocket[] = [];
    const hub = new HubClient({
      url: () => 'ws://test/api/v1/ws',
      token: () => token,
      topics: ['station:grill'],
      socket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      clock: new FakeClock(),
      handlers: { snapshot: () => {}, event: () => {} },
    });
    hub.start();
    hub.reauth(); // still connecting: the open handler will send the current token
    expect(sockets[0].sent).toEqual([]);
    sockets[0].open();
    expect(sockets[0].sent).toEqual([{ op: 'auth', token: 'old' }]);
    token = 'new';
    hub.reauth();
    expect(sockets[0].sent.at(-1)).toEqual({ op: 'auth', token: 'new' });
    sockets[0].drop(1006);
    const before = sockets[0].sent.length;
    hub.reauth();
    expect(sockets[0].sent.length).toBe(before);
    hub.stop();
  });
});
