/** A round picture for a person or chat: the image when there is one, else initials on a colour. */

// Dark enough for white initials (contrast ≥ 4.5:1) in both themes.
const palette = [
  '#C62828',
  '#AD1457',
  '#6A1B9A',
  '#4527A0',
  '#283593',
  '#1565C0',
  '#0B7A75',
  '#00695C',
  '#2E7D32',
  '#A14A00',
  '#5D4037',
  '#37474F',
];

/** The same seed (an address) always gets the same colour, on every device. */
export function avatarColor(seed: string): string {
  let hash = 0x811c9dc5;
  for (const ch of seed.toLowerCase()) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return palette[(hash >>> 0) % palette.length] ?? '#37474F';
}

export function initials(name: string): string {
  const words = name
    .replace(/@.*$/, '')
    .split(/[\s._-]+/)
    .filter((w) => w.length > 0);
  const letters = words.length >= 2 ? [words[0], words[words.length - 1]] : [words[0] ?? '?'];
  return letters
    .map((w) => Array.from(w ?? '')[0] ?? '')
    .join('')
    .toUpperCase();
}

export function Avatar({
  name,
  seed,
  image,
  size = 44,
}: {
  name: string;
  seed: string;
  image?: string | null;
  size?: number;
}) {
  const style = { width: size, height: size, fontSize: Math.round(size * 0.38) };
  if (image) {
    return <img className="avatar" src={image} alt="" style={style} draggable={false} />;
  }
  return (
    <span className="avatar" aria-hidden="true" style={{ ...style, background: avatarColor(seed) }}>
      {initials(name)}
    </span>
  );
}
