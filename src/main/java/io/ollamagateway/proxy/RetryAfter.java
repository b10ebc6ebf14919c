package io.ollamagateway.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Reads an upstream's {@code Retry-After} and error message. Stateless. */
final class RetryAfter {

  private static final int MAX_MESSAGE = 200;

  private RetryAfter() {
  }

  /** Seconds or an HTTP date; {@code null} when absent or unreadable. */
  static Duration parse(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String value = header.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration left = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return left.isNegative() ? Duration.ZERO : left;
      } catch (RuntimeException notDate) {
        return null;
      }
    }
  }

  /** The {@code error} text of an Ollama or OpenAI error body, shortened; the upstream's words, no secret. */
  static String errorMessage(Buffer body) {
    String text;
    try {
      JsonObject json = body.toJsonObject();
      Object error = json.getValue("error");
      text = error instanceof JsonObject object ? object.getString("message", object.encode())
          : String.valueOf(error);
    } catch (RuntimeException notJson) {
      text = body.toString();
    }
    text = text.replaceAll("\\s+", " ").trim();
    return text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "..." : text;
  }
}
