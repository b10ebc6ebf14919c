package io.ollamagateway.upstream;

import java.time.Duration;

/**
 * What one attempt holds of an upstream (a concurrency slot and a key) and how it reports back what the
 * upstream said, so that the key pool and health state learn from real traffic. Called on the request's
 * event loop; implementations are thread-safe because the state they update is shared.
 */
public interface Lease {

  /** Holds nothing and learns nothing: for fixed targets. */
  Lease NONE = new Lease() {
  };

  /** The upstream answered 429 for this key; {@code retryAfter} is null when it did not say. */
  default void rateLimited(Duration retryAfter, String message) {
  }

  /** The upstream refused the key itself (401 or 403). */
  default void keyRejected(int status, String message) {
  }

  /** The upstream could not be reached. */
  default void unreachable(String message) {
  }

  /** The upstream answered with a status below 400. */
  default void succeeded() {
  }

  /** The attempt is over: gives the slot back. Idempotent. */
  default void release() {
  }
}
