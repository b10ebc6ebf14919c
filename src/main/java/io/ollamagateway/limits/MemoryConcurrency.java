package io.ollamagateway.limits;

import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link Concurrency} of one instance: an atomic counter per subject. Thread-safe, lock-free. */
public final class MemoryConcurrency implements Concurrency {

  private final ConcurrentHashMap<String, AtomicInteger> held = new ConcurrentHashMap<>();

  @Override
  public Future<Slot> acquire(String subject, int limit) {
    AtomicInteger count = held.computeIfAbsent(subject, s -> new AtomicInteger());
    while (true) {
      int now = count.get();
      if (now >= limit) {
        return Future.succeededFuture(null);
      }
      if (count.compareAndSet(now, now + 1)) {
        AtomicBoolean released = new AtomicBoolean();
        return Future.succeededFuture(() -> {
          if (released.compareAndSet(false, true)) {
            count.decrementAndGet();
          }
          return Future.succeededFuture();
        });
      }
    }
  }
}
