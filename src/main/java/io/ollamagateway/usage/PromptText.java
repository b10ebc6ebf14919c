package io.ollamagateway.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * The text of a request's prompt, for estimating its tokens when the upstream reports none: chat messages
 * (string or text parts), {@code prompt}, {@code system}, {@code suffix}, embedding {@code input} (string or
 * array) and legacy {@code prompt} of {@code /api/embeddings}. Stateless and thread-safe.
 */
public final class PromptText {

  private static final ObjectMapper JSON = new ObjectMapper();

  private PromptText() {
  }

  public static String of(Buffer body) {
    if (body == null || body.length() == 0) {
      return "";
    }
    try {
      return of(JSON.readTree(body.getBytes()));
    } catch (IOException malformed) {
      return "";
    }
  }

  /** The same, from a body already parsed. */
  public static String of(JsonNode root) {
    StringBuilder text = new StringBuilder();
    for (String field : new String[] {"system", "prompt", "suffix", "instructions"}) {
      append(text, root.path(field));
    }
    append(text, root.path("input"));
    for (JsonNode message : root.path("messages")) {
      append(text, message.path("content"));
    }
    return text.toString();
  }

  private static void append(StringBuilder text, JsonNode node) {
    if (node.isTextual()) {
      text.append(node.asText()).append('\n');
    } else if (node.isArray()) {
      for (JsonNode part : node) {
        if (part.isTextual()) {
          text.append(part.asText()).append('\n');
        } else if (part.path("text").isTextual()) {
          text.append(part.path("text").asText()).append('\n');
        } else if (part.path("content").isTextual()) {
          text.append(part.path("content").asText()).append('\n');
        }
      }
    }
  }
}
