/** The per-folder IMAP watermark, written in the same transaction as the messages it covers. */
import type { Database } from 'better-sqlite3';

export interface FolderState {
  uidValidity: number | null;
  lastUid: number;
  highestModseq: bigint | null;
}

export class ImapStateRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  load(folder: string): FolderState {
    const r = this.db
      .prepare<
        [string],
        { uid_validity: number | null; last_uid: number; highest_modseq: string | null }
      >('SELECT uid_validity, last_uid, highest_modseq FROM imap_state WHERE folder = ?')
      .get(folder);
    if (!r) return { uidValidity: null, lastUid: 0, highestModseq: null };
    return {
      uidValidity: r.uid_validity,
      lastUid: r.last_uid,
      highestModseq: r.highest_modseq === null ? null : BigInt(r.highest_modseq),
    };
  }

  save(
    folder: string,
    s: { uidValidity: number | bigint | null; lastUid: number; highestModseq?: bigint | null },
  ): void {
    this.db
      .prepare(
        `INSERT INTO imap_state (folder, uid_validity, last_uid, highest_modseq) VALUES (?, ?, ?, ?)
         ON CONFLICT(folder) DO UPDATE SET uid_validity = excluded.uid_validity,
           last_uid = excluded.last_uid, highest_modseq = excluded.highest_modseq`,
      )
      .run(
        folder,
        s.uidValidity === null ? null : Number(s.uidValidity),
        s.lastUid,
        s.highestModseq == null ? null : s.highestModseq.toString(),
      );
  }
}
