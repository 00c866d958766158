/** Everything the pipelines of one account need, in one object they receive. */
import type { Database } from 'better-sqlite3';
import type { PrivateKey, PublicKey } from 'openpgp';
import type { EventBus } from '../events.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { ChatRepo } from '../chat/chats.ts';
import type { ContactRepo } from '../chat/contacts.ts';
import type { MessageRepo } from '../chat/messages.ts';
import type { PeerRepo, PeerRow } from '../store/peers.ts';
import type { ImapStateRepo } from '../store/imap-state.ts';

/** The account's own key pair, and parsed peer keys cached by fingerprint. */
export interface OwnKeys {
  secret: PrivateKey;
  public: PublicKey;
  fingerprint: string;
  /** Armored public key for Autocrypt and self-encryption. */
  publicArmored: string;
  /** The peer's usable public keys (Autocrypt key first, then gossip), parsed once. */
  publicKeysOf(peer: PeerRow): Promise<PublicKey[]>;
}

export interface AccountContext {
  id: number;
  addr: string;
  selfContactId: number;
  db: Database;
  contacts: ContactRepo;
  chats: ChatRepo;
  messages: MessageRepo;
  peers: PeerRepo;
  imapState: ImapStateRepo;
  blobs: BlobStore;
  bus: EventBus;
  keys: OwnKeys;
  displayName(): string;
  /** The status line sent as the signature of every message. */
  status(): string;
  now(): number;
  /** Wake the outbox after a transaction queued mail in it (SecureJoin replies, group changes). */
  kickOutbox(): void;
}
