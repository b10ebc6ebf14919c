package io.ollamagateway.store;

import java.time.Instant;
import java.util.List;

/**
 * An API key as stored: never its secret, only a display prefix (the secret's SHA-256 stays in the store).
 *
 * @param id the store's id; the key's public id in logs is {@code key:<id>}
 * @param userId the owner
 * @param name what the key is for ("ci", "laptop")
 * @param prefix the first characters of the secret followed by an ellipsis, for recognising it
 * @param createdAt when the key was created
 * @param lastUsedAt when it last authenticated a request (recorded in batches, so up to a few seconds late);
 *     {@code null} if never
 * @param expiresAt after this instant the key is refused; {@code null} never expires
 * @param active an inactive key is refused; revoked keys are inactive for good
 * @param revokedAt when the key was revoked, or {@code null}
 * @param models glob patterns of the models this key may use ({@code llama3*}); empty means every model
 * @param limits the key's own rate limits
 */
public record ApiKey(long id, long userId, String name, String prefix, Instant createdAt, Instant lastUsedAt,
    Instant expiresAt, boolean active, Instant revokedAt, List<String> models, KeyLimits limits) {

  public ApiKey {
    models = models == null ? List.of() : List.copyOf(models);
    limits = limits == null ? KeyLimits.NONE : limits;
  }

  /** {@code active}, {@code inactive}, {@code revoked} or {@code expired} at {@code now}. */
  public String status(Instant now) {
    if (revokedAt != null) {
      return "revoked";
    }
    if (!active) {
      return "inactive";
    }
    return expiresAt != null && !now.isBefore(expiresAt) ? "expired" : "active";
  }

  public ApiKey withSettings(String name, Instant expiresAt, boolean active, List<String> models,
      KeyLimits limits) {
    return new ApiKey(id, userId, name, prefix, createdAt, lastUsedAt, expiresAt, active, revokedAt, models,
        limits);
  }
}
