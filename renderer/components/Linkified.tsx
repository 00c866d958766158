/**
 * Message text as text: http, https and mailto links become React links that open outside the
 * app. Nothing from a message is ever parsed as HTML.
 */
import type { MouseEvent } from 'react';
import { useRuntime } from '../state/context.tsx';
import { isSafeExternalUrl } from '../runtime/runtime.ts';

const LINK = /\b(?:https?:\/\/[^\s<>"]+|mailto:[^\s<>"]+)/gi;
// Punctuation that ends a sentence rather than the link.
const TRAILING = /[.,;:!?)\]'"»]+$/;

export interface TextPart {
  text: string;
  href?: string;
}

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index;
    let url = match[0];
    const trailing = TRAILING.exec(url);
    if (trailing) url = url.slice(0, url.length - trailing[0].length);
    if (!isSafeExternalUrl(url)) continue;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

export function Linkified({ text }: { text: string }) {
  const runtime = useRuntime();
  const open = (event: MouseEvent<HTMLAnchorElement>, href: string) => {
    event.preventDefault();
    runtime.openExternal(href);
  };
  return (
    <>
      {splitLinks(text).map((part, i) =>
        part.href ? (
          <a
            key={i}
            href={part.href}
            rel="noopener noreferrer"
            target="_blank"
            onClick={(e) => open(e, part.href ?? '')}
          >
            {part.text}
          </a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}
