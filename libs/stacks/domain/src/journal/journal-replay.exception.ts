/**
 * A journal batch the replayer cannot accept. Nothing of the batch has been applied when it is
 * thrown (the replayer is unchanged), so the api can answer 4xx and the CLI's retry, or the update's
 * failure, leaves the stack's state as it was.
 */
export class JournalReplayError extends Error {
  constructor(
    /**
     * `invalid-entry`: an entry lacks what its kind needs (the reference would panic on it);
     * `sequence-conflict`: a sequenceID already received with different content;
     * `replay-failed`: the entries cannot be replayed (an operation index out of range, two
     * resources claiming one alias).
     */
    readonly reason: 'invalid-entry' | 'sequence-conflict' | 'replay-failed',
    message: string,
    /** The offending entry's sequenceID, when there is one. */
    readonly sequenceID?: number,
  ) {
    super(message);
    this.name = 'JournalReplayError';
  }
}
