/** The main window's size and place, remembered between runs in a JSON file. */
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from './json-file.ts';

const WindowStateFile = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowStateFile>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1100, height: 760, maximized: false };

/** The remembered state, or the default when there is none or it is damaged. */
export async function loadWindowState(file: string): Promise<WindowState> {
  return readJsonFile(file, WindowStateFile, DEFAULT_WINDOW_STATE);
}

/** Remember the window's state. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await writeJsonFile(file, WindowStateFile.parse(state));
}

/**
 * The state to open with on these displays: a position that is no longer on any screen (a
 * monitor was unplugged) is dropped so the window opens centred on a visible one.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (state.x === undefined || state.y === undefined) return state;
  const title = { x: state.x, y: state.y, width: Math.min(state.width, 200), height: 40 };
  const visible = workAreas.some((a) => overlap(title, a) >= title.width * title.height * 0.5);
  return visible ? state : { width: state.width, height: state.height, maximized: state.maximized };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
