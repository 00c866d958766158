/**
 * A small observable store: one immutable state value, replaced by pure updates, read by React
 * through useSyncExternalStore. Selectors must return parts of the state (stable references),
 * never freshly built objects.
 */
import { useSyncExternalStore } from 'react';

export class Store<S> {
  private state: S;
  private readonly listeners = new Set<() => void>();

  constructor(initial: S) {
    this.state = initial;
  }

  readonly get = (): S => this.state;

  update(change: (state: S) => S): void {
    const next = change(this.state);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

export function useStoreSelector<S, T>(store: Store<S>, select: (state: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}
