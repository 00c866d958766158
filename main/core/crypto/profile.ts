import { config as openpgpDefaults, enums } from 'openpgp';
import type { Config } from 'openpgp';

/**
 * The openpgp.js settings that make our keys and messages look like Delta Chat's (rPGP).
 * openpgp.js defaults differ: SHA-512 hashes, AES-256, GCM, a salt notation on v4 signatures,
 * 256 KiB AEAD chunks and no compression.
 */
export const deltaChatProfile: Readonly<Config> = Object.freeze({
  ...openpgpDefaults,
  preferredHashAlgorithm: enums.hash.sha256,
  preferredSymmetricAlgorithm: enums.symmetric.aes128,
  preferredAEADAlgorithm: enums.aead.ocb,
  preferredCompressionAlgorithm: enums.compression.zlib,
  // Key generation only: makes our self-signature advertise SEIPDv2 and AEAD cipher suites.
  // Message encryption follows the recipients' keys, not this flag.
  aeadProtect: true,
  // Delta Chat 2.57 writes chunk size octet 7 (8 KiB chunks); staying there means no peer ever
  // meets a chunk size it has not already handled.
  aeadChunkSizeByte: 7,
  // The salt notation protects deterministic EdDSA against fault attacks, but Delta Chat does not
  // emit it and PROTOCOL §8 asks senders to match; v6 keys carry a built-in salt anyway.
  nonDeterministicSignaturesViaNotation: false,
  v6Keys: false,
  showVersion: false,
  showComment: false,
  // A compressed message is attacker-controlled; refuse to inflate one beyond this.
  maxDecompressedMessageSize: 128 * 1024 * 1024,
});

/** The Features bit (RFC 9580 §5.2.3.32) that announces SEIPDv2 support; missing from openpgp's types. */
export const SEIPDV2_FEATURE = 0x08;
