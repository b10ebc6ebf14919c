package io.ollamagateway.admin;

import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.AuditEntry;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.User;
import io.ollamagateway.store.UserCaps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * The JSON shapes of users, keys and audit entries, with snake_case names as in Ollama's and OpenAI's APIs;
 * used by the admin API and the CLI's {@code --json} alike. Never a key's secret or hash. Stateless.
 */
public final class JsonViews {

  private JsonViews() {
  }

  public static JsonObject user(User user) {
    return new JsonObject()
        .put("id", user.id())
        .put("name", user.name())
        .put("email", user.email())
        .put("role", IdentityService.roleName(user.role()))
        .put("active", user.active())
        .put("created_at", time(user.createdAt()));
  }

  public static JsonObject key(ApiKey key, Instant now) {
    return new JsonObject()
        .put("id", key.id())
        .put("user_id", key.userId())
        .put("name", key.name())
        .put("prefix", key.prefix())
        .put("status", key.status(now))
        .put("active", key.active())
        .put("created_at", time(key.createdAt()))
        .put("last_used_at", time(key.lastUsedAt()))
        .put("expires_at", time(key.expiresAt()))
        .put("revoked_at", time(key.revokedAt()))
        .put("models", new JsonArray(key.models()))
        .put("requests_per_minute", key.limits().requestsPerMinute())
        .put("requests_per_hour", key.limits().requestsPerHour())
        .put("tokens_per_minute", key.limits().tokensPerMinute())
        .put("max_concurrent", key.limits().maxConcurrent());
  }

  /** A user's quota; {@code null} fields are unlimited. */
  public static JsonObject quota(long userId, Quota quota) {
    return new JsonObject()
        .put("user_id", userId)
        .put("daily_tokens", quota.dailyTokens())
        .put("monthly_tokens", quota.monthlyTokens())
        .put("daily_requests", quota.dailyRequests())
        .put("monthly_requests", quota.monthlyRequests());
  }

  /** A user's self-service caps; {@code null} fields are no cap. */
  public static JsonObject caps(long userId, UserCaps caps, long maxGraceSeconds) {
    return new JsonObject()
        .put("user_id", userId)
        .put("max_keys", caps.maxKeys())
        .put("models", new JsonArray(caps.models()))
        .put("requests_per_minute", caps.limits().requestsPerMinute())
        .put("requests_per_hour", caps.limits().requestsPerHour())
        .put("tokens_per_minute", caps.limits().tokensPerMinute())
        .put("max_concurrent", caps.limits().maxConcurrent())
        .put("max_rotation_grace_seconds", caps.maxRotationGraceSeconds())
        .put("effective_max_rotation_grace_seconds", maxGraceSeconds);
  }

  /** A new key with its secret as {@code key}, beside its {@code id}: the one time the secret is shown. */
  public static JsonObject createdKey(IdentityService.CreatedKey created, Instant now) {
    return key(created.key(), now).put("key", created.secret());
  }

  public static JsonObject audit(AuditEntry entry) {
    return new JsonObject()
        .put("id", entry.id())
        .put("at", time(entry.at()))
        .put("actor", entry.actor())
        .put("action", entry.action())
        .put("target", entry.target())
        .put("detail", entry.detail())
        .put("request_id", entry.requestId());
  }

  static String time(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
