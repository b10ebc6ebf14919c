package io.ollamagateway.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Optional;

/**
 * Asks an OpenAI-compatible streaming request for its usage: Ollama sends the usage chunk only when the
 * request has {@code "stream_options": {"include_usage": true}}. Stateless and thread-safe.
 */
public final class StreamOptions {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StreamOptions() {
  }

  /**
   * The body with {@code include_usage} turned on, or empty when the client already asked for the usage
   * (then its stream must keep the usage chunk) or the body is not a JSON object (then the upstream judges).
   */
  public static Optional<Buffer> includeUsage(JsonNode root) {
    try {
      if (!(root instanceof ObjectNode shared)) {
        return Optional.empty();
      }
      if (shared.path("stream_options").path("include_usage").asBoolean(false)) {
        return Optional.empty();
      }
      ObjectNode object = shared.deepCopy(); // the tree is the request body's, shared with other stages
      JsonNode options = object.path("stream_options");
      ObjectNode rewritten = options instanceof ObjectNode existing ? existing : object.putObject("stream_options");
      rewritten.put("include_usage", true);
      return Optional.of(Buffer.buffer(JSON.writeValueAsBytes(object)));
    } catch (IOException malformed) {
      return Optional.empty();
    }
  }
}
