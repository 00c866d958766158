/** A key fingerprint in groups of four hex digits, easy to read aloud and compare. */
export function fingerprintGroups(fingerprint: string): string[] {
  const hex = fingerprint.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.match(/.{1,4}/g) ?? [];
}

export function Fingerprint({ value, label }: { value: string; label: string }) {
  const groups = fingerprintGroups(value);
  return (
    <div className="fingerprint" role="group" aria-label={label}>
      {groups.map((group, i) => (
        <span key={i} className="fingerprint-group">
          {group}
        </span>
      ))}
    </div>
  );
}
