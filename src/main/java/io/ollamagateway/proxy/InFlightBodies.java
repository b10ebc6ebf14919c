package io.ollamagateway.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies buffered across the whole process ({@code MAX_BODY_BYTES_IN_FLIGHT}): a body
 * takes its bytes as they arrive and gives them back when its exchange is over, so that no number of clients
 * can make the gateway hold more than the cap, whatever they declare or send. One per process.
 *
 * <p>Thread-safe: every event loop takes from the same count.
 */
public final class InFlightBodies {

  private final long cap;
  private final AtomicLong used = new AtomicLong();

  /** @param cap the most bytes held at once, at least 1 */
  public InFlightBodies(long cap) {
    if (cap < 1) {
      throw new IllegalArgumentException("cap must be positive: " + cap);
    }
    this.cap = cap;
  }

  /** A cap derived from the heap: an eighth of the most the JVM may use, at least 1 MiB. */
  public static long defaultCap() {
    return Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 8);
  }

  public long cap() {
    return cap;
  }

  /** Takes {@code bytes} if they fit under the cap; false (nothing taken) if they do not. */
  public boolean tryTake(long bytes) {
    long now;
    do {
      now = used.get();
      if (now + bytes > cap) {
        return false;
      }
    } while (!used.compareAndSet(now, now + bytes));
    return true;
  }

  /** Gives back bytes taken earlier. */
  public void giveBack(long bytes) {
    used.addAndGet(-bytes);
  }

  /** The bytes held now. */
  public long used() {
    return used.get();
  }
}
