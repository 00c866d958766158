/**
 * The core's system lines and SecureJoin sentences in the UI's language: each code with its
 * arguments becomes a sentence of the `system` catalogue section. Arguments (names, addresses,
 * group names) are inserted as plain text: no HTML escaping is needed because React renders
 * text, and i18next neither interpolates nor nests inside them (skipOnVariables). A code this
 * UI does not know, a missing argument, or a line stored before codes existed shows the core's
 * English text instead.
 */
import type { TFunction } from 'i18next';
import type { SystemLine, SystemLineCode } from '../../../shared/types.ts';

export type Args = Readonly<Record<string, string>>;

/** One localisable sentence: the arguments it needs and how it is said. */
export interface Entry {
  /** Arguments the sentence needs; without them the English text is shown. */
  needs: readonly string[];
  say(t: TFunction, a: Args, language: string): string;
}

/** Arguments only as replacements: they never act as i18next options or templates. */
export function v(a: Args) {
  return { replace: { ...a }, interpolation: { escapeValue: false, skipOnVariables: true } };
}

/** An ISO day (2026-11-30) as the UI's language writes dates. */
function day(iso: string, language: string): string {
  const time = Date.parse(`${iso}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(time);
}

export const SYSTEM_LINES: Readonly<Record<SystemLineCode, Entry>> = {
  self_added_member: { needs: ['name'], say: (t, a) => t('system.selfAddedMember', v(a)) },
  self_removed_member: { needs: ['name'], say: (t, a) => t('system.selfRemovedMember', v(a)) },
  self_left_group: { needs: [], say: (t) => t('system.selfLeftGroup') },
  self_renamed_group: {
    needs: ['oldName', 'newName'],
    say: (t, a) => t('system.selfRenamedGroup', v(a)),
  },
  self_changed_description: { needs: [], say: (t) => t('system.selfChangedDescription') },
  self_changed_image: { needs: [], say: (t) => t('system.selfChangedImage') },
  self_removed_image: { needs: [], say: (t) => t('system.selfRemovedImage') },
  member_added: { needs: ['by', 'name'], say: (t, a) => t('system.memberAdded', v(a)) },
  member_added_you: { needs: ['by'], say: (t, a) => t('system.memberAddedYou', v(a)) },
  member_removed: { needs: ['by', 'name'], say: (t, a) => t('system.memberRemoved', v(a)) },
  member_removed_you: { needs: ['by'], say: (t, a) => t('system.memberRemovedYou', v(a)) },
  member_left: { needs: ['by'], say: (t, a) => t('system.memberLeft', v(a)) },
  group_renamed: { needs: ['by', 'name'], say: (t, a) => t('system.groupRenamed', v(a)) },
  description_changed: { needs: ['by'], say: (t, a) => t('system.descriptionChanged', v(a)) },
  image_changed: { needs: ['by'], say: (t, a) => t('system.imageChanged', v(a)) },
  image_removed: { needs: ['by'], say: (t, a) => t('system.imageRemoved', v(a)) },
  member_joined: { needs: ['name'], say: (t, a) => t('system.memberJoined', v(a)) },
  member_gone: { needs: ['name'], say: (t, a) => t('system.memberGone', v(a)) },
  self_gone: { needs: [], say: (t) => t('system.selfGone') },
  key_changed: { needs: ['addr', 'name'], say: (t, a) => t('system.keyChanged', v(a)) },
  unverified_sender_clear: {
    needs: ['who'],
    say: (t, a) => t('system.unverifiedSenderClear', v(a)),
  },
  unverified_sender_key: {
    needs: ['who'],
    say: (t, a) =>
      a.key ? t('system.unverifiedSenderOtherKey', v(a)) : t('system.unverifiedSenderKey', v(a)),
  },
  join_asking_group: { needs: ['who', 'group'], say: (t, a) => t('system.joinAskingGroup', v(a)) },
  join_waiting: { needs: ['who'], say: (t, a) => t('system.joinWaiting', v(a)) },
  join_already_member: { needs: ['group'], say: (t, a) => t('system.joinAlreadyMember', v(a)) },
  join_key_mismatch: {
    needs: ['who', 'got', 'expected'],
    say: (t, a) => t('system.joinKeyMismatch', v(a)),
  },
  join_key_missing: {
    needs: ['who', 'expected'],
    say: (t, a) => t('system.joinKeyMissing', v(a)),
  },
  join_group_answered: { needs: ['who'], say: (t, a) => t('system.joinGroupAnswered', v(a)) },
  join_key_matches: { needs: ['who'], say: (t, a) => t('system.joinKeyMatches', v(a)) },
  join_verified: { needs: ['who'], say: (t, a) => t('system.joinVerified', v(a)) },
  join_added_to_group: {
    needs: ['who', 'group'],
    say: (t, a) => t('system.joinAddedToGroup', v(a)),
  },
  join_timeout: { needs: ['who'], say: (t, a) => t('system.joinTimeout', v(a)) },
  invite_used: { needs: ['who'], say: (t, a) => t('system.inviteUsed', v(a)) },
  invite_withdrawn_unanswered: {
    needs: ['who'],
    say: (t, a) => t('system.inviteWithdrawnUnanswered', v(a)),
  },
  invite_withdrawn_not_let_in: {
    needs: ['who'],
    say: (t, a) => t('system.inviteWithdrawnNotLetIn', v(a)),
  },
  invite_request_without_key: {
    needs: ['who'],
    say: (t, a) => t('system.inviteRequestWithoutKey', v(a)),
  },
  invite_bad_signature: { needs: ['who'], say: (t, a) => t('system.inviteBadSignature', v(a)) },
  invite_not_for_your_key: {
    needs: ['who'],
    say: (t, a) => t('system.inviteNotForYourKey', v(a)),
  },
  invite_verified: { needs: ['who'], say: (t, a) => t('system.inviteVerified', v(a)) },
  invite_joined_group: { needs: ['who'], say: (t, a) => t('system.inviteJoinedGroup', v(a)) },
  invite_expired: {
    needs: ['who', 'date'],
    say: (t, a, language) =>
      t('system.inviteExpired', v({ ...a, date: day(a.date ?? '', language) })),
  },
  invite_group_left: { needs: ['who'], say: (t, a) => t('system.inviteGroupLeft', v(a)) },
};

/**
 * The sentence for a system line in the UI's language, or `fallback` (the core's English text)
 * when the line has no code this UI knows or lacks an argument.
 */
export function systemLineText(
  t: TFunction,
  line: SystemLine | null | undefined,
  fallback: string,
  language: string,
): string {
  if (!line || !Object.hasOwn(SYSTEM_LINES, line.code)) return fallback;
  const entry = SYSTEM_LINES[line.code];
  const args = line.args ?? {};
  if (entry.needs.some((k) => typeof args[k] !== 'string')) return fallback;
  return entry.say(t, args, language);
}
