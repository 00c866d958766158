/** The app's line icons, drawn here (24×24 grid). Always decorative: the control carries the name. */
const paths = {
  lock: 'M7 10V7a5 5 0 0 1 10 0v3M5 10h14v11H5zM12 14v3',
  lockOff: 'M7 10V7a5 5 0 0 1 10 0v3M5 10h14v11H5zM3 4l18 18',
  check: 'M4 12.5l5 5L20 6.5',
  checks: 'M1.5 12.5l5 5L17 7M9.5 16l1.5 1.5L22 7',
  clock: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3.5 2',
  warning: 'M12 3L2 20.5h20zM12 9.5v5M12 17.3v.2',
  send: 'M3 20.5L21.5 12 3 3.5 5.5 12zM5.5 12h8',
  attach:
    'M20 11.5l-8.2 8.2a5 5 0 0 1-7-7l8.6-8.6a3.4 3.4 0 0 1 4.8 4.8l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9',
  plus: 'M12 5v14M5 12h14',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  gear: 'M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM19.4 13.5l1.8 1.4-2 3.4-2.1-.8a7.6 7.6 0 0 1-2.2 1.3L14.6 21h-4l-.4-2.2A7.6 7.6 0 0 1 8 17.5l-2.1.8-2-3.4 1.8-1.4a7.7 7.7 0 0 1 0-2.8L3.9 9.3l2-3.4 2.1.8A7.6 7.6 0 0 1 10.2 5.4L10.6 3h4l.4 2.4a7.6 7.6 0 0 1 2.2 1.3l2.1-.8 2 3.4-1.8 1.4a7.7 7.7 0 0 1 0 2.8z',
  close: 'M6 6l12 12M18 6L6 18',
  down: 'M12 5v14M5.5 12.5L12 19l6.5-6.5',
  search: 'M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM15.5 15.5L21 21',
  file: 'M6 2.5h8l5 5v14H6zM14 2.5v5h5',
  shield: 'M12 2.5l8 3v6c0 5-3.4 8.6-8 10-4.6-1.4-8-5-8-10v-6zM8.5 12l2.5 2.5 4.5-5',
  retry: 'M4 12a8 8 0 1 0 2.3-5.7M4 4v4.5h4.5',
  info: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 11v6M12 7.5v.2',
  person: 'M12 3.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM4 21c.8-4 4-6.5 8-6.5s7.2 2.5 8 6.5',
  bellOff: 'M6 17h12l-1.8-2.5V10a4.5 4.5 0 0 0-7.7-3.2M6.2 9.6v4.9L6 17M10 20h4M3 3l18 18',
  copy: 'M8.5 8.5h11v12h-11zM15.5 8.5v-5h-11v12h4',
  download: 'M12 3.5v12M6.5 10.5L12 16l5.5-5.5M4 20.5h16',
  /** The verified mark: a seal with a check. */
  verified:
    'M12 2.5l2.4 1.7 2.9-.1.9 2.8 2.4 1.7-.9 2.8.9 2.8-2.4 1.7-.9 2.8-2.9-.1L12 21.5l-2.4-1.7-2.9.1-.9-2.8-2.4-1.7.9-2.8-.9-2.8 2.4-1.7.9-2.8 2.9.1zM8.3 12.2l2.5 2.5 4.9-5',
  qr: 'M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h2.5v2.5H14zM17.5 17.5H20V20h-2.5zM14 20h1M20 14v1',
  group:
    'M9 4a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM2.5 20c.6-3.5 3.2-5.5 6.5-5.5s5.9 2 6.5 5.5M16 4.5a3.2 3.2 0 0 1 0 6.2M18 14.8c2 .6 3.2 2.4 3.5 5.2',
  link: 'M10 14a4 4 0 0 0 5.7 0l3.5-3.5a4 4 0 0 0-5.7-5.7L12 6.3M14 10a4 4 0 0 0-5.7 0l-3.5 3.5a4 4 0 0 0 5.7 5.7l1.5-1.5',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg
      className={`icon icon-${name}`}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={paths[name]} />
    </svg>
  );
}
