package io.ollamagateway.alerts;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One event's delivery to one webhook, as the delivery log shows it.
 *
 * @param id the delivery's id, also sent as {@code X-Gateway-Delivery}
 * @param webhook the webhook's name
 * @param event the event's id
 * @param type the event's type
 * @param status {@code pending} (waiting for an attempt), {@code delivered} or {@code failed} (out of attempts)
 * @param attempts attempts made so far
 * @param lastStatusCode the HTTP status of the last attempt, 0 when it got none
 * @param lastError why the last attempt failed, or {@code null}
 * @param createdAt when the event happened
 * @param lastAttemptAt when the last attempt was made, or {@code null}
 * @param nextAttemptAt when the next attempt is due, or {@code null}
 */
public record Delivery(String id, String webhook, String event, String type, String status, int attempts,
    int lastStatusCode, String lastError, Instant createdAt, Instant lastAttemptAt, Instant nextAttemptAt) {

  /** The admin API's view (snake_case). */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("webhook", webhook).put("event", event).put("type", type)
        .put("status", status).put("attempts", attempts)
        .put("last_status_code", lastStatusCode == 0 ? null : lastStatusCode).put("last_error", lastError)
        .put("created_at", createdAt.toString())
        .put("last_attempt_at", lastAttemptAt == null ? null : lastAttemptAt.toString())
        .put("next_attempt_at", nextAttemptAt == null ? null : nextAttemptAt.toString());
  }
}
