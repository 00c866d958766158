/** Preferences of this device's UI (not of an account): theme, language, notifications. */
export type Theme = 'system' | 'light' | 'dark';
export type Language = 'en' | 'fr' | 'de';

export const languages: readonly Language[] = ['en', 'fr', 'de'];

export interface Preferences {
  theme: Theme;
  language: Language;
  notifications: boolean;
}

const KEY = 'estafette.preferences';

export function detectLanguage(tags: readonly string[]): Language {
  for (const tag of tags) {
    const base = tag.toLowerCase().split('-')[0];
    const match = languages.find((l) => l === base);
    if (match) return match;
  }
  return 'en';
}

export function loadPreferences(): Preferences {
  const defaults: Preferences = {
    theme: 'system',
    language: detectLanguage(navigator.languages ?? [navigator.language]),
    notifications: true,
  };
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return defaults;
    const stored = JSON.parse(raw) as Partial<Preferences>;
    return {
      theme: ['system', 'light', 'dark'].includes(String(stored.theme))
        ? (stored.theme as Theme)
        : defaults.theme,
      language: languages.includes(stored.language as Language)
        ? (stored.language as Language)
        : defaults.language,
      notifications:
        typeof stored.notifications === 'boolean' ? stored.notifications : defaults.notifications,
    };
  } catch {
    return defaults;
  }
}

export function savePreferences(preferences: Preferences): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(preferences));
  } catch {
    // Storage can be full or disabled; the choice then lasts for this session only.
  }
}
