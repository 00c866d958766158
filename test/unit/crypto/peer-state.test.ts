import { beforeAll, describe, expect, it } from 'vitest';
import type {
  AutocryptHeader,
  GossipHeader,
  WithKey,
} from '../../../main/core/crypto/autocrypt.ts';
import { generateAccountKey, readPublicKey } from '../../../main/core/crypto/keys.ts';
import {
  applyAutocryptHeader,
  applyGossip,
  effectiveDate,
  recommendation,
  targetKeyOf,
} from '../../../main/core/crypto/peer-state.ts';
import type { PeerState } from '../../../main/core/crypto/peer-state.ts';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 10, 1);

let first: WithKey<AutocryptHeader>;
let second: WithKey<AutocryptHeader>;

async function keyed(addr: string): Promise<WithKey<AutocryptHeader>> {
  const generated = await generateAccountKey(addr);
  return {
    addr,
    preferEncrypt: 'mutual',
    keydata: 'unused-by-peer-state',
    publicKey: await readPublicKey(generated.publicArmored),
    fingerprint: generated.fingerprint,
  };
}

function gossipOf(header: WithKey<AutocryptHeader>): WithKey<GossipHeader> {
  const { preferEncrypt: _unused, ...rest } = header;
  return { ...rest, verified: false };
}

function stateOf(update: { state: PeerState | null }): PeerState {
  if (!update.state) throw new Error('expected a peer state');
  return update.state;
}

beforeAll(async () => {
  first = await keyed('bob@example.org');
  second = await keyed('bob@example.org');
});

describe('effective date', () => {
  const received = new Date(T0);

  it('is the Date header when it is in the past', () => {
    expect(effectiveDate(new Date(T0 - DAY), received)).toBe(T0 - DAY);
  });

  it('is the time of receipt when the Date header is in the future, missing or unreadable', () => {
    expect(effectiveDate(new Date(T0 + DAY), received)).toBe(T0);
    expect(effectiveDate(null, received)).toBe(T0);
    expect(effectiveDate(undefined, received)).toBe(T0);
    expect(effectiveDate(new Date('not a date'), received)).toBe(T0);
  });
});

describe('updating peer state from Autocrypt headers', () => {
  it('bob’s first header creates his state with key, preference and timestamps', () => {
    const update = applyAutocryptHeader(null, first, T0);
    expect(update.keyChange).toBeNull();
    expect(update.state).toMatchObject({
      addr: 'bob@example.org',
      lastSeen: T0,
      autocryptTimestamp: T0,
      fingerprint: first.fingerprint,
      preferEncrypt: 'mutual',
      gossipTimestamp: 0,
      gossipKey: null,
    });
    expect(update.state?.publicKey).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  it('a message without a header and without a previous state records nothing', () => {
    expect(applyAutocryptHeader(null, null, T0)).toEqual({ state: null, keyChange: null });
  });

  it('an older message changes nothing, even with another key', () => {
    const state = stateOf(applyAutocryptHeader(null, first, T0));
    const update = applyAutocryptHeader(state, second, T0 - DAY);
    expect(update.state).toBe(state);
    expect(update.keyChange).toBeNull();
  });

  it('a newer message without a header only moves last_seen', () => {
    const state = stateOf(applyAutocryptHeader(null, first, T0));
    const next = stateOf(applyAutocryptHeader(state, null, T0 + DAY));
    expect(next).toEqual({ ...state, lastSeen: T0 + DAY });
  });

  it('a newer header with a different key replaces it and reports the change', () => {
    const state = stateOf(applyAutocryptHeader(null, first, T0));
    const update = applyAutocryptHeader(
      state,
      { ...second, preferEncrypt: 'nopreference' },
      T0 + DAY,
    );
    expect(update.keyChange).toEqual({
      source: 'autocrypt',
      previousFingerprint: first.fingerprint,
      newFingerprint: second.fingerprint,
    });
    expect(update.state).toMatchObject({
      fingerprint: second.fingerprint,
      preferEncrypt: 'nopreference',
      autocryptTimestamp: T0 + DAY,
      lastSeen: T0 + DAY,
    });
  });

  it('the same key again is no key change', () => {
    const state = stateOf(applyAutocryptHeader(null, first, T0));
    expect(applyAutocryptHeader(state, first, T0 + DAY).keyChange).toBeNull();
  });

  it('a header for another address is a programming error', async () => {
    const state = stateOf(applyAutocryptHeader(null, first, T0));
    const carol = await keyed('carol@example.org');
    expect(() => applyAutocryptHeader(state, carol, T0 + DAY)).toThrow();
  });
});

describe('updating peer state from gossip', () => {
  it('gossip about an unknown peer creates a state with only the gossip key', () => {
    const state = stateOf(applyGossip(null, gossipOf(first), T0));
    expect(state).toMatchObject({
      addr: 'bob@example.org',
      lastSeen: 0,
      publicKey: null,
      gossipTimestamp: T0,
      gossipFingerprint: first.fingerprint,
    });
    expect(targetKeyOf(state)).toBe(state.gossipKey);
  });

  it('older gossip changes nothing; newer gossip with another key replaces it and is reported', () => {
    const state = stateOf(applyGossip(null, gossipOf(first), T0));
    expect(applyGossip(state, gossipOf(second), T0 - DAY).state).toBe(state);
    const update = applyGossip(state, gossipOf(second), T0 + DAY);
    expect(update.keyChange).toEqual({
      source: 'gossip',
      previousFingerprint: first.fingerprint,
      newFingerprint: second.fingerprint,
    });
    expect(update.state?.gossipFingerprint).toBe(second.fingerprint);
  });

  it('gossip leaves the key from the peer’s own header in charge', () => {
    const own = stateOf(applyAutocryptHeader(null, first, T0));
    const gossiped = stateOf(applyGossip(own, gossipOf(second), T0 + DAY));
    expect(gossiped.fingerprint).toBe(first.fingerprint);
    expect(targetKeyOf(gossiped)).toBe(own.publicKey);
  });
});

describe('the encryption recommendation', () => {
  let mutual: PeerState;
  let noPreference: PeerState;
  let gossipOnly: PeerState;
  let stale: PeerState;

  beforeAll(() => {
    mutual = stateOf(applyAutocryptHeader(null, first, T0));
    noPreference = stateOf(
      applyAutocryptHeader(null, { ...first, preferEncrypt: 'nopreference' }, T0),
    );
    gossipOnly = stateOf(applyGossip(null, gossipOf(first), T0));
    stale = stateOf(applyAutocryptHeader(mutual, null, T0 + 36 * DAY));
  });

  it('no state or no key disables encryption', () => {
    expect(recommendation([null], false)).toBe('disable');
    const keyless = { ...mutual, publicKey: null, fingerprint: null };
    expect(recommendation([keyless], false)).toBe('disable');
  });

  it('both sides mutual means encrypt; a peer without preference makes it available', () => {
    expect(recommendation([mutual], false)).toBe('encrypt');
    expect(recommendation([noPreference], false)).toBe('available');
    expect(recommendation([mutual], false, 'nopreference')).toBe('available');
  });

  it('only a gossip key, or a header 35 days behind last_seen, discourages', () => {
    expect(recommendation([gossipOnly], false)).toBe('discourage');
    expect(recommendation([stale], false)).toBe('discourage');
    const exactly35 = stateOf(applyAutocryptHeader(mutual, null, T0 + 35 * DAY));
    expect(recommendation([exactly35], false)).toBe('encrypt');
  });

  it('a reply to an encrypted message is encrypted even when discouraged', () => {
    expect(recommendation([gossipOnly], true)).toBe('encrypt');
    expect(recommendation([stale], true)).toBe('encrypt');
    expect(recommendation([noPreference], true)).toBe('encrypt');
  });

  it('for several recipients: any disable, then all encrypt, then any discourage, else available', () => {
    expect(recommendation([mutual, null], false)).toBe('disable');
    expect(recommendation([mutual, mutual], false)).toBe('encrypt');
    expect(recommendation([mutual, gossipOnly], false)).toBe('discourage');
    expect(recommendation([mutual, noPreference], false)).toBe('available');
    expect(recommendation([gossipOnly, null], true)).toBe('disable');
  });
});
