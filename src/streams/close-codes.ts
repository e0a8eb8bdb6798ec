/** WebSocket close codes Berth's stream channels use (documented in openapi/asyncapi.yaml). */
export const CloseCode = {
  /** The stream ended: container stopped, exec exited, snapshot sent. */
  normal: 1000,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A frame the channel does not accept (text on exec). */
  unsupportedData: 1003,
  /** The credentials were revoked or their access changed (key deleted, user disabled, logged out, role changed). */
  policyViolation: 1008,
  /** The engine failed while streaming. */
  internalError: 1011,
  /** Too many open streams for this user. */
  tryAgainLater: 1013,
  /** The client did not read for too long; the reason says where to resume. */
  slowConsumer: 4000,
} as const;

/**
 * The close code that tells a browser why its upgrade was refused: 4000 + the HTTP status
 * other clients get (4401, 4403, 4404, 4429...), since a page cannot read an upgrade's status.
 */
export function refusalCloseCode(status: number): number {
  return 4000 + status;
}

/** A close reason fits in 123 bytes (RFC 6455 §5.5); longer engine messages are cut. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= 123) return text;
  return (
    bytes
      .subarray(0, 120)
      .toString('utf8')
      .replace(/\uFFFD+$/, '') + '...'
  );
}
