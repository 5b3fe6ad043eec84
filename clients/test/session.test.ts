import { describe, expect, it } from 'vitest';
import { HubClient } from '../src/lib/protocol';
import { refreshAt } from '../src/lib/session';
import { FakeClock, FakeSocket } from './fakes';

const jwt = (claims: Record<string, unknown>) =>
  `h.${btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.sig`;

describe('token refresh', () => {
  const now = Date.parse('2026-12-04T10:00:00Z');
  const iat = now / 1000;

  it('is due when three quarters of the token life have passed since it arrived', () => {
    const token = jwt({ iat, exp: iat + 12 * 3600 }); // a 12-hour token
    expect(refreshAt({ token, received_at: now }, now)).toBe(now + 9 * 3600_000);
  });

  it('keeps its timing on a device whose clock is wrong, and never loops', () => {
    // The tablet is 10 hours fast: the token's own span still gives 9 hours after arrival.
    const fast = now + 10 * 3600_000;
    const token = jwt({ iat, exp: iat + 12 * 3600 });
    expect(refreshAt({ token, received_at: fast }, fast)).toBe(fast + 9 * 3600_000);
    // Never sooner than a minute, whatever the numbers say.
    expect(refreshAt({ token, received_at: now - 11 * 3600_000 }, now)).toBe(now + 60_000);
  });

  it('gives up on a token too short-lived to refresh (the end of the weekly login)', () => {
    expect(refreshAt({ token: jwt({ iat, exp: iat + 120 }), received_at: now }, now)).toBeNull();
  });

  it('refreshes soon a token it cannot read or that was kept from before', () => {
    expect(refreshAt({ token: 'garbage', received_at: now }, now)).toBe(now + 60_000);
    expect(refreshAt({ token: jwt({ iat, exp: iat + 3600 }) }, now)).toBe(now + 60_000);
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
