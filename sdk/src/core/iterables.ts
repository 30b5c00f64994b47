/**
 * Lists read in turn as one, without copying them into one array: a run's audit events are
 * mostly made as they are read (core/registry-plan.ts), and a copy would hold them all.
 * Re-iterable: each read starts again from the first list.
 */
export function concatenated<T>(...lists: readonly Iterable<T>[]): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (const list of lists) yield* list;
    },
  };
}
