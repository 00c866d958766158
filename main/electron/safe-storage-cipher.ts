/** Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet) as the secret store's cipher. */
import { safeStorage } from 'electron';
import type { StringCipher } from './secret-file.ts';

/** The OS keychain cipher. On Linux without a keyring ("basic_text") it counts as unavailable. */
export function safeStorageCipher(): StringCipher {
  return {
    async available() {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) return false;
      // basic_text encrypts with a key hard-coded in Chromium: no better than an owner-only file.
      return (
        process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'
      );
    },
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    async decrypt(data) {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(data);
      return { text: result, reencrypt: shouldReEncrypt };
    },
  };
}
