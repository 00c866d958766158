/** The desktop app's own few settings, in `preferences.json` of the user data directory. */
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from './json-file.ts';

const PreferencesFile = z.object({
  /** The user was asked once whether Estafette should open mailto: links. */
  mailtoAsked: z.boolean().default(false),
});
export type Preferences = z.infer<typeof PreferencesFile>;

/** Read the preferences (defaults when missing or damaged). */
export function loadPreferences(file: string): Promise<Preferences> {
  return readJsonFile(file, PreferencesFile, { mailtoAsked: false });
}

/** Store the preferences. */
export function savePreferences(file: string, prefs: Preferences): Promise<void> {
  return writeJsonFile(file, prefs);
}
