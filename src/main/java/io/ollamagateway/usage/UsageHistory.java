package io.ollamagateway.usage;

import java.time.Instant;

/**
 * Reads what the usage store holds, for deriving quota counters from it. Implementations block (JDBC): call
 * them on workers only.
 */
public interface UsageHistory {

  /**
   * Tokens (prompt and completion) stored for one user or one key in the hours from the hour containing
   * {@code from} (inclusive) to {@code to} (exclusive).
   *
   * @param userId the user, or {@code null} to select by key
   * @param keyId the key, when {@code userId} is {@code null}
   */
  long tokens(Long userId, Long keyId, Instant from, Instant to);

  /**
   * Requests admitted past the limits ({@link Rollup#admitted}) stored for one user or one key, over the same
   * hours as {@link #tokens}.
   */
  long admitted(Long userId, Long keyId, Instant from, Instant to);

  /** Whether an hourly row is one {@link #tokens} would count for the same arguments. */
  static boolean counts(Rollup.Key row, Long userId, Long keyId, Instant from, Instant to) {
    boolean who = userId != null ? userId.equals(row.userId()) : keyId != null && keyId.equals(row.keyId());
    Instant start = from.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    return who && !row.hour().isBefore(start) && row.hour().isBefore(to);
  }
}
