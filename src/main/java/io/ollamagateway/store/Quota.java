package io.ollamagateway.store;

/**
 * A user's quotas, shared by all their keys; {@code null} means unlimited. Days and months are counted in the
 * gateway's quota time zone ({@code QUOTA_TIME_ZONE}, UTC by default) and reset at their start.
 */
public record Quota(Long dailyTokens, Long monthlyTokens, Long dailyRequests, Long monthlyRequests) {

  /** No quota at all. */
  public static final Quota NONE = new Quota(null, null, null, null);

  public boolean isNone() {
    return dailyTokens == null && monthlyTokens == null && dailyRequests == null && monthlyRequests == null;
  }
}
