package io.ollamagateway.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * Translates a native Ollama request ({@code /api/chat}, {@code /api/generate}, {@code /api/embed}) into the
 * OpenAI-compatible request an OpenAI-only server (vLLM, llama.cpp's server, LM Studio, LocalAI) understands.
 * A streamed generation asks for a final usage chunk ({@code stream_options.include_usage}), so that usage comes
 * from the server's own counts. Stateless; safe on any thread.
 */
public final class NativeRequest {

  /** The native operation being translated. */
  public enum Op {
    CHAT("/v1/chat/completions"),
    GENERATE("/v1/completions"),
    EMBED("/v1/embeddings");

    private final String path;

    Op(String path) {
      this.path = path;
    }

    /** The OpenAI-compatible path the operation goes to. */
    public String path() {
      return path;
    }
  }

  /**
   * A translated request.
   *
   * @param path the OpenAI-compatible path
   * @param body the JSON body to send
   * @param stream whether the answer streams (Ollama streams generations unless {@code "stream": false})
   */
  public record Translated(String path, Buffer body, boolean stream) {
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Ollama's {@code options} that have an OpenAI-compatible field of their own. */
  private static final Map<String, String> OPTIONS = Map.of("temperature", "temperature", "top_p", "top_p",
      "seed", "seed", "stop", "stop", "num_predict", "max_tokens", "presence_penalty", "presence_penalty",
      "frequency_penalty", "frequency_penalty");

  private NativeRequest() {
  }

  /** Translates a native request body (already checked: one JSON object with a model). */
  public static Translated translate(Op op, JsonNode body) {
    ObjectNode in = body instanceof ObjectNode object ? object : JSON.createObjectNode();
    ObjectNode out = JSON.createObjectNode();
    out.set("model", in.get("model"));
    boolean stream = false;
    switch (op) {
      case EMBED -> {
        out.set("input", in.has("input") ? in.get("input") : JSON.getNodeFactory().textNode(""));
        if (in.has("dimensions")) {
          out.set("dimensions", in.get("dimensions"));
        }
      }
      case CHAT, GENERATE -> {
        stream = !in.path("stream").isBoolean() || in.path("stream").asBoolean();
        if (op == Op.CHAT) {
          out.set("messages", messages(in.path("messages")));
          if (in.has("tools")) {
            out.set("tools", in.get("tools"));
          }
        } else {
          String system = in.path("system").asText("");
          String prompt = in.path("prompt").asText("");
          out.put("prompt", system.isEmpty() ? prompt : system + "\n\n" + prompt);
          if (in.has("suffix")) {
            out.set("suffix", in.get("suffix"));
          }
        }
        out.put("stream", stream);
        if (stream) {
          out.putObject("stream_options").put("include_usage", true);
        }
        JsonNode options = in.path("options");
        OPTIONS.forEach((from, to) -> {
          if (options.has(from) && !options.get(from).isNull()) {
            out.set(to, options.get(from));
          }
        });
        JsonNode format = in.path("format");
        if (format.isTextual() && format.asText().equals("json")) {
          out.putObject("response_format").put("type", "json_object");
        } else if (format.isObject()) {
          ObjectNode schema = out.putObject("response_format").put("type", "json_schema");
          schema.putObject("json_schema").put("name", "format").set("schema", format);
        }
      }
      default -> throw new IllegalArgumentException(op.name());
    }
    try {
      return new Translated(op.path(), Buffer.buffer(JSON.writeValueAsBytes(out)), stream);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Jackson cannot write a tree it built", e);
    }
  }

  /** Ollama's messages; images (base64) become OpenAI's image parts. */
  private static ArrayNode messages(JsonNode messages) {
    ArrayNode out = JSON.createArrayNode();
    if (!messages.isArray()) {
      return out;
    }
    for (JsonNode message : messages) {
      ObjectNode m = out.addObject();
      m.put("role", message.path("role").asText("user"));
      JsonNode images = message.path("images");
      if (images.isArray() && !images.isEmpty()) {
        ArrayNode parts = m.putArray("content");
        parts.addObject().put("type", "text").put("text", message.path("content").asText(""));
        for (JsonNode image : images) {
          parts.addObject().put("type", "image_url").putObject("image_url")
              .put("url", "data:image/png;base64," + image.asText(""));
        }
      } else {
        m.put("content", message.path("content").asText(""));
      }
      if (message.has("tool_calls")) {
        m.set("tool_calls", message.get("tool_calls"));
      }
    }
    return out;
  }
}
