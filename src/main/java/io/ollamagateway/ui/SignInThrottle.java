package io.ollamagateway.ui;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down guessing: counts the sign-in attempts made since the last success, per client address and per
 * user name, and says how long the next attempt must wait. The first {@link #FREE_ATTEMPTS} cost nothing; then
 * the wait doubles from one second up to {@link #MAX_DELAY_MS}. Attempts are counted when they start, so
 * parallel guesses wait longer too. Counts are forgotten after {@link #FORGET_AFTER_MS} without an attempt.
 *
 * <p>Never sleeps: the caller waits with a timer. Thread-safe (several event loops).
 */
final class SignInThrottle {

  static final int FREE_ATTEMPTS = 3;
  static final long MAX_DELAY_MS = 30_000;
  static final long FORGET_AFTER_MS = 15 * 60_000;
  private static final int MAX_ENTRIES = 100_000;

  private record Count(int attempts, long lastMillis) {
  }

  private final Map<String, Count> counts = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  SignInThrottle(LongSupplier clock) {
    this.clock = clock;
  }

  /** Counts an attempt for each of {@code subjects}; answers how long it must wait, in milliseconds. */
  long begin(String... subjects) {
    long now = clock.getAsLong();
    if (counts.size() > MAX_ENTRIES) {
      forgetOld();
    }
    int before = 0;
    for (String subject : subjects) {
      Count previous = counts.compute(subject, (k, c) -> c == null || now - c.lastMillis > FORGET_AFTER_MS
          ? new Count(1, now) : new Count(c.attempts + 1, now));
      before = Math.max(before, previous.attempts - 1);
    }
    return delayAfter(before);
  }

  /** A success clears the counts of {@code subjects}. */
  void succeeded(String... subjects) {
    for (String subject : subjects) {
      counts.remove(subject);
    }
  }

  /** Attempts counted for {@code subject} since its last success. */
  int attempts(String subject) {
    Count count = counts.get(subject);
    return count == null ? 0 : count.attempts;
  }

  static long delayAfter(int previousAttempts) {
    if (previousAttempts < FREE_ATTEMPTS) {
      return 0;
    }
    int doublings = Math.min(previousAttempts - FREE_ATTEMPTS, 20);
    return Math.min(MAX_DELAY_MS, 1000L << doublings);
  }

  void forgetOld() {
    long now = clock.getAsLong();
    counts.values().removeIf(c -> now - c.lastMillis > FORGET_AFTER_MS);
  }
}
