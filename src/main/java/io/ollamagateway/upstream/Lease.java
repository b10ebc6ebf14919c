package io.ollamagateway.upstream;

import io.vertx.core.Future;
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

  /**
   * The upstream refused a request made with the key (401 or 403), which may be about the key or only about
   * the request (its model, the account's plan). Checks the key alone; when the check is refused too, the key
   * is disabled. Completes with whether it was (never fails).
   */
  default Future<Boolean> keyRefused(int status, String message) {
    return Future.succeededFuture(false);
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
