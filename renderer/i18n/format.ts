/** Dates, times and sizes in the UI's language. */
import { i18n } from './i18n.ts';

const DAY_MS = 86_400_000;

function startOfDay(time: number): number {
  const d = new Date(time);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

// Making an Intl formatter costs far more than using one, and a long message list formats two
// times per row: formatters are kept per language and options.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${i18n.language}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(i18n.language, options);
    dateFormats.set(key, format);
  }
  return format;
}

export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

export function formatTime(time: number): string {
  return dateFormat({ hour: 'numeric', minute: '2-digit' }).format(time);
}

/** Chat list: the time today, the weekday this week, else a short date. */
export function formatListTime(time: number, now = Date.now()): string {
  const days = (startOfDay(now) - startOfDay(time)) / DAY_MS;
  if (days <= 0) return formatTime(time);
  if (days < 7) return dateFormat({ weekday: 'short' }).format(time);
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear();
  return dateFormat({
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(time);
}

/** Day separator: today, yesterday, else the full date. */
export function formatDay(time: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(time)) / DAY_MS);
  if (days === 0) return i18n.t('time.today');
  if (days === 1) return i18n.t('time.yesterday');
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear();
  return dateFormat({
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(time);
}

export function formatDateTime(time: number): string {
  return dateFormat({ dateStyle: 'long', timeStyle: 'short' }).format(time);
}

export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const number = new Intl.NumberFormat(i18n.language, {
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
  return `${number} ${units[unit]}`;
}
