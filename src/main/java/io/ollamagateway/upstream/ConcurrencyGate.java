package io.ollamagateway.upstream;

import io.ollamagateway.api.ApiError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The concurrency cap of one upstream and its bounded wait queue. Waiting requests are served round-robin
 * between callers (principal client ids), so one caller with many queued requests cannot starve another:
 * each caller's own requests stay in order, and callers take turns.
 *
 * <p>A full queue answers 503 with {@code Retry-After} at once; a request that waits longer than the queue
 * timeout gets the same. Thread-safe: requests come from every event loop; the lock is held only for queue
 * bookkeeping. A waiter is resumed on its own Vert.x context. Never blocks.
 */
public final class ConcurrencyGate {

  private record Waiter(String clientId, Promise<Void> promise, Context context, long since) {
  }

  /** Queue statistics, for the admin API and the metrics. */
  public record Stats(int inFlight, int queued, long admittedAfterWait, long totalWaitMillis, long maxWaitMillis,
      long rejected, long timedOut) {
  }

  private static final Future<Void> OPEN = Future.succeededFuture();

  private final Vertx vertx;
  private final String upstreamName;
  private final int cap;
  private final int queueSize;
  private final long timeoutMillis;
  private final LongSupplier clock;
  private final Map<String, ArrayDeque<Waiter>> waiting = new HashMap<>();
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private int inFlight;
  private int queued;
  private long admittedAfterWait;
  private long totalWaitMillis;
  private long maxWaitMillis;
  private long rejected;
  private long timedOut;

  /**
   * @param cap requests at once; 0 means no cap
   * @param queueSize requests that may wait when the cap is reached
   */
  public ConcurrencyGate(Vertx vertx, String upstreamName, int cap, int queueSize, long timeoutMillis,
      LongSupplier clockMillis) {
    this.vertx = vertx;
    this.upstreamName = upstreamName;
    this.cap = cap;
    this.queueSize = queueSize;
    this.timeoutMillis = timeoutMillis;
    this.clock = clockMillis;
  }

  /**
   * Takes a slot: at once when one is free, later when the caller's turn comes, or fails with a 503
   * {@link ApiError}. Every success must be paired with one {@link #leave()}.
   */
  public Future<Void> enter(String clientId) {
    Waiter waiter;
    synchronized (this) {
      if (cap == 0 || (inFlight < cap && queued == 0)) {
        inFlight++;
        return OPEN;
      }
      if (queued >= queueSize) {
        rejected++;
        return Future.failedFuture(busy("its wait queue is full"));
      }
      Context context = vertx.getOrCreateContext();
      waiter = new Waiter(clientId, Promise.promise(), context, clock.getAsLong());
      ArrayDeque<Waiter> own = waiting.computeIfAbsent(clientId, id -> new ArrayDeque<>());
      if (own.isEmpty()) {
        turns.addLast(clientId);
      }
      own.addLast(waiter);
      queued++;
    }
    if (timeoutMillis > 0) {
      long timer = vertx.setTimer(timeoutMillis, t -> expire(waiter));
      waiter.promise().future().onComplete(ar -> vertx.cancelTimer(timer));
    }
    return waiter.promise().future();
  }

  /** Gives a slot back and hands it to the next caller in turn, if any. */
  public void leave() {
    Waiter next;
    synchronized (this) {
      next = nextWaiter();
      if (next == null) {
        inFlight = Math.max(0, inFlight - 1);
        return;
      }
      // the slot passes straight to the waiter: inFlight stays as it is
      long waited = clock.getAsLong() - next.since();
      admittedAfterWait++;
      totalWaitMillis += waited;
      maxWaitMillis = Math.max(maxWaitMillis, waited);
    }
    next.context().runOnContext(v -> {
      if (!next.promise().tryComplete()) {
        leave();
      }
    });
  }

  public synchronized Stats stats() {
    return new Stats(inFlight, queued, admittedAfterWait, totalWaitMillis, maxWaitMillis, rejected, timedOut);
  }

  /** In-flight requests, for routing. */
  public synchronized int inFlight() {
    return inFlight;
  }

  /** Whether a request would have to wait or be refused now. */
  public synchronized boolean full() {
    return cap > 0 && (inFlight >= cap || queued > 0);
  }

  private Waiter nextWaiter() {
    while (!turns.isEmpty()) {
      String clientId = turns.pollFirst();
      ArrayDeque<Waiter> own = waiting.get(clientId);
      Waiter waiter = own == null ? null : own.pollFirst();
      if (own != null && !own.isEmpty()) {
        turns.addLast(clientId);
      } else {
        waiting.remove(clientId);
      }
      if (waiter != null) {
        queued--;
        return waiter;
      }
    }
    return null;
  }

  private void expire(Waiter waiter) {
    synchronized (this) {
      ArrayDeque<Waiter> own = waiting.get(waiter.clientId());
      if (own == null || !own.remove(waiter)) {
        return;
      }
      queued--;
      timedOut++;
      if (own.isEmpty()) {
        waiting.remove(waiter.clientId());
        turns.remove(waiter.clientId());
      }
    }
    waiter.promise().tryFail(busy("no slot became free within " + timeoutMillis + " ms (UPSTREAM_QUEUE_TIMEOUT)"));
  }

  private ApiError busy(String why) {
    return new ApiError(503, "upstream '" + upstreamName + "' is at its concurrency limit and " + why
        + "; try again shortly", Map.of("Retry-After", "1"));
  }
}
