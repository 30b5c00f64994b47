/**
 * The sink may throw (a bad row under `on_corrupt_data: fail`, a cancel). Such an error must
 * leave a scan as it is, not be read as a driver failure; wrapping it on its way through the
 * driver code lets the session tell the two apart.
 */
export class SinkFailure {
  constructor(readonly error: unknown) {}
}

/** Runs one sink call; what it throws comes out wrapped. */
export function feedSink(call: () => void): void {
  try {
    call();
  } catch (error) {
    throw new SinkFailure(error);
  }
}
