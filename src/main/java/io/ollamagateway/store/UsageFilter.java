package io.ollamagateway.store;

import java.time.Instant;

/**
 * Which hourly usage rows a query reads; every part is optional ({@code null}: no restriction).
 *
 * @param from rows whose hour starts at or after this instant
 * @param to rows whose hour starts before this instant
 * @param user a user's id (digits) or name
 * @param key a key's id (digits), display prefix, or a caller's public id ({@code shared-token}, {@code anonymous})
 * @param model the model's name as requested
 * @param upstream the upstream's name
 */
public record UsageFilter(Instant from, Instant to, String user, String key, String model, String upstream) {

  /** Every row. */
  public static final UsageFilter ALL = new UsageFilter(null, null, null, null, null, null);

  /** Only the rows of one user. */
  public UsageFilter forUser(long userId) {
    return new UsageFilter(from, to, Long.toString(userId), key, model, upstream);
  }
}
