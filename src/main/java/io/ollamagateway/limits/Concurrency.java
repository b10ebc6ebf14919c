package io.ollamagateway.limits;

import io.vertx.core.Future;

/**
 * Caps how many requests one subject may have under way at once. A granted slot is held by a {@link Slot}
 * until released. Implementations: {@link MemoryConcurrency}, {@link RedisConcurrency}.
 *
 * <p>Thread-safe; never blocks the calling event loop.
 */
public interface Concurrency {

  /** A held slot. Releasing twice is harmless. */
  interface Slot {
    Slot NONE = () -> Future.succeededFuture();

    Future<Void> release();
  }

  /**
   * Takes a slot if fewer than {@code limit} are held.
   *
   * @return the slot, or {@code null} when the subject is at its limit
   */
  Future<Slot> acquire(String subject, int limit);
}
