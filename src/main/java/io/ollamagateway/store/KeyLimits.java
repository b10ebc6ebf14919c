package io.ollamagateway.store;

/**
 * A key's own limits; {@code null} means none of that kind (for {@code requestsPerHour}: the default of the
 * owner's role). Enforced by the limits capability, stored with the key.
 *
 * @param requestsPerMinute requests the key may start per minute
 * @param requestsPerHour requests the key may start per hour
 * @param tokensPerMinute prompt and completion tokens the key may use per minute
 * @param maxConcurrent requests the key may have under way at once
 */
public record KeyLimits(Long requestsPerMinute, Long requestsPerHour, Long tokensPerMinute, Long maxConcurrent) {

  /** No limit of the key's own. */
  public static final KeyLimits NONE = new KeyLimits(null, null, null, null);
}
