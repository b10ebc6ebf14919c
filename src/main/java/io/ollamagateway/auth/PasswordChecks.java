package io.ollamagateway.auth;

import io.ollamagateway.api.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where password hashing runs: a small worker pool of its own, a few hashes at a time. Each Argon2id hash holds
 * 19 MiB for tens of milliseconds, so unbounded parallel checks (a flood of wrong passwords) would exhaust the
 * heap; here, work beyond the limit is not queued but refused at once with 429 and {@code Retry-After: 1}. Used
 * for every path that hashes a password (console sign-in, setting a password through the admin API).
 *
 * <p>The limit is 2, or 1 when the heap is under 96 MiB. Thread-safe; {@link #run} never blocks the caller.
 */
public final class PasswordChecks {

  /** Seconds a refused caller is told to wait: a hash takes tens of milliseconds. */
  static final int RETRY_AFTER_SECONDS = 1;

  private final WorkerExecutor executor;
  private final int limit;
  private final AtomicInteger running = new AtomicInteger();

  public PasswordChecks(Vertx vertx) {
    this(vertx, defaultLimit(Runtime.getRuntime().maxMemory()));
  }

  public PasswordChecks(Vertx vertx, int limit) {
    this.limit = Math.max(1, limit);
    this.executor = vertx.createSharedWorkerExecutor("og-password-" + System.identityHashCode(this), this.limit);
  }

  /** Two at a time, one on a heap under 96 MiB: at 19 MiB each, hashing never takes more than ~40% of it. */
  static int defaultLimit(long maxHeapBytes) {
    return maxHeapBytes < 96L * 1024 * 1024 ? 1 : 2;
  }

  /** How many hashes may run at once. */
  public int limit() {
    return limit;
  }

  /**
   * Runs {@code work} (which hashes) on the pool when a place is free; otherwise fails at once with an
   * {@link ApiError} 429 that carries {@code Retry-After}.
   */
  public <T> Future<T> run(Callable<T> work) {
    if (running.incrementAndGet() > limit) {
      running.decrementAndGet();
      return Future.failedFuture(new ApiError(429, "too many password checks at once; retry in "
          + RETRY_AFTER_SECONDS + " s", Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS))));
    }
    return executor.<T>executeBlocking(work, false).andThen(ar -> running.decrementAndGet());
  }

  /** Stops the pool's threads. */
  public void close() {
    executor.close();
  }
}
