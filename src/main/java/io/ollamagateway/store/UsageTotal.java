package io.ollamagateway.store;

import java.time.Instant;

/**
 * The usage of one key of one user with one model during one hour, summed over upstreams, as the store has it.
 *
 * @param hour the hour's start, UTC
 * @param userId the user, or 0 for callers without one
 * @param userName the user's name, or {@code null} (no user, or deleted since)
 * @param keyId the key, or 0 for callers without one
 * @param keyPrefix the key's display prefix, or {@code null} (no key, or deleted since); never the secret
 * @param client the caller's public id ({@code key:12}, {@code shared-token}, {@code anonymous})
 * @param model the model, or {@code ""}
 */
public record UsageTotal(Instant hour, long userId, String userName, long keyId, String keyPrefix, String client,
    String model, long requests, long promptTokens, long completionTokens, long estimatedTokens, long errors,
    long durationMillis, long firstByteMillis) {

  /** What to call the key in reports: its display prefix, else the caller's public id. */
  public String keyLabel() {
    return keyPrefix != null ? keyPrefix : client;
  }
}
