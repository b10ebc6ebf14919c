package io.ollamagateway.usage;

import java.time.Instant;
import java.util.Objects;

/**
 * One hourly usage row: what one key of one user did with one model on one upstream (and upstream key) during
 * one hour. Rows are added together, never rewritten: a flush adds its counts to what the store already has.
 *
 * @param key what the row is about
 * @param requests requests answered (any outcome)
 * @param promptTokens prompt tokens
 * @param completionTokens completion tokens
 * @param estimatedTokens how many of those tokens were estimated rather than counted by the upstream
 * @param errors requests that failed (status 5xx, or the client went away)
 * @param durationMillis total time from request to end of answer
 * @param firstByteMillis total time to first byte, over the requests that got one
 * @param admitted requests admitted past the caller's limits (what request quotas count); refused ones are in
 *     {@code requests} only
 */
public record Rollup(Key key, long requests, long promptTokens, long completionTokens, long estimatedTokens,
    long errors, long durationMillis, long firstByteMillis, long admitted) {

  /** A row that admits no request (tokens, or a refused request). */
  public Rollup(Key key, long requests, long promptTokens, long completionTokens, long estimatedTokens,
      long errors, long durationMillis, long firstByteMillis) {
    this(key, requests, promptTokens, completionTokens, estimatedTokens, errors, durationMillis, firstByteMillis, 0);
  }

  /**
   * @param hour the hour's start, UTC
   * @param userId the user, or {@code null} for callers without one (shared token, open access)
   * @param keyId the API key, or {@code null}
   * @param client the caller's public id ({@code key:12}, {@code shared-token}, {@code anonymous})
   * @param model the model, or {@code ""}
   * @param upstream the upstream's name, or {@code ""}
   * @param upstreamKeyIndex the upstream key's position in its pool, or -1 (never the key itself)
   */
  public record Key(Instant hour, Long userId, Long keyId, String client, String model, String upstream,
      int upstreamKeyIndex) {

    // Written out because this is a map key looked up on every request: the generated equals and hashCode
    // went through method handles that showed in profiles.
    @Override
    public boolean equals(Object other) {
      return other instanceof Key k && upstreamKeyIndex == k.upstreamKeyIndex && Objects.equals(hour, k.hour)
          && Objects.equals(userId, k.userId) && Objects.equals(keyId, k.keyId) && Objects.equals(client, k.client)
          && Objects.equals(model, k.model) && Objects.equals(upstream, k.upstream);
    }

    @Override
    public int hashCode() {
      int h = Objects.hashCode(hour);
      h = 31 * h + Objects.hashCode(userId);
      h = 31 * h + Objects.hashCode(keyId);
      h = 31 * h + Objects.hashCode(client);
      h = 31 * h + Objects.hashCode(model);
      h = 31 * h + Objects.hashCode(upstream);
      return 31 * h + upstreamKeyIndex;
    }

    public Key withModel(String other) {
      return new Key(hour, userId, keyId, client, other, upstream, upstreamKeyIndex);
    }
  }

  public Rollup plus(Rollup other) {
    return new Rollup(key, requests + other.requests, promptTokens + other.promptTokens,
        completionTokens + other.completionTokens, estimatedTokens + other.estimatedTokens, errors + other.errors,
        durationMillis + other.durationMillis, firstByteMillis + other.firstByteMillis, admitted + other.admitted);
  }
}
