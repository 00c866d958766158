/** The core's event bus: listeners get every event, in order, synchronously after a commit. */
import type { CoreEvent } from '../../shared/events.ts';

export type EventListener = (event: CoreEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Subscribe; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: CoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A failing listener (a closed socket, a test's assertion) must not break the pipeline.
      }
    }
  }
}
