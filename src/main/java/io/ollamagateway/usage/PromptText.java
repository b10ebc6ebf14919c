package io.ollamagateway.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * What a request's prompt costs, read from its body, on native and OpenAI routes: the text the model reads
 * ({@link #of}), and an upper-leaning estimate of its tokens ({@link #tokens}) that counts every field a chat
 * template renders into the prompt:
 *
 * <ul>
 *   <li>text, counted with the {@link TokenEstimator}: {@code system}, {@code prompt}, {@code suffix},
 *       {@code template}, {@code instructions}, embedding {@code input} (strings), message {@code content}
 *       (string or the text of its parts), tool results (messages of role {@code tool});</li>
 *   <li>structures rendered as JSON by templates ({@code tools}, {@code functions}, {@code format},
 *       {@code response_format}, {@code text.format}, a message's {@code tool_calls} and
 *       {@code function_call}): one token per {@value #STRUCTURE_BYTES_PER_TOKEN} bytes of their JSON, a
 *       body-size rule, because tokenizers split JSON punctuation and keys finely;</li>
 *   <li>{@code context} arrays and embedding inputs given as token ids: one token per element;</li>
 *   <li>images (a message's {@code images}, top-level {@code images}, {@code image_url} / {@code input_image}
 *       parts): {@value #IMAGE_TOKENS} tokens each, whatever their size;</li>
 *   <li>the template's framing: {@value #MESSAGE_TOKENS} tokens per message and {@value #PRIMING_TOKENS}
 *       to prime the answer.</li>
 * </ul>
 *
 * <p>A field this class does not know, at the top of the body or in a message, is reserved by its size like a
 * structure: a new field that carries text still costs what it may cost. Known parameters (the model, the
 * options, sampling settings, caps) cost nothing.
 *
 * <p>Stateless and thread-safe.
 */
public final class PromptText {

  /** Tokens charged for each image: above what vision models of 2025 spend on one (576 to 1,600 at most). */
  public static final int IMAGE_TOKENS = 1_600;
  static final int STRUCTURE_BYTES_PER_TOKEN = 3;
  /** Top-level fields that carry no prompt tokens, or are counted above. */
  private static final java.util.Set<String> KNOWN = java.util.Set.of("model", "stream", "options", "keep_alive",
      "raw", "think", "max_tokens", "max_completion_tokens", "max_output_tokens", "temperature", "top_p", "top_k",
      "seed", "stop", "n", "presence_penalty", "frequency_penalty", "stream_options", "user", "logprobs",
      "top_logprobs", "tool_choice", "parallel_tool_calls", "truncate", "dimensions", "encoding_format",
      "metadata", "store", "reasoning_effort", "reasoning", "logit_bias", "service_tier", "shift", "suffix",
      "system", "prompt", "instructions", "template", "input", "messages", "tools", "functions", "format",
      "response_format", "text", "images", "context", "stop_sequences", "thinking", "previous_response_id");
  private static final java.util.Set<String> MESSAGE_KNOWN = java.util.Set.of("role", "content", "images",
      "tool_calls", "function_call", "tool_call_id", "name");
  static final int MESSAGE_TOKENS = 4;
  static final int PRIMING_TOKENS = 3;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] TEXT_FIELDS = {"system", "prompt", "suffix", "instructions", "template"};
  private static final String[] STRUCTURES = {"tools", "functions", "format", "response_format"};

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

  /** The prompt's text (structures as their JSON), from a body already parsed. */
  public static String of(JsonNode root) {
    StringBuilder text = new StringBuilder();
    for (String field : TEXT_FIELDS) {
      append(text, root.path(field));
    }
    append(text, root.path("input"));
    for (JsonNode message : root.path("messages")) {
      append(text, message.path("content"));
      appendJson(text, message.path("tool_calls"));
      appendJson(text, message.path("function_call"));
    }
    for (String field : STRUCTURES) {
      appendJson(text, root.path(field));
    }
    appendJson(text, root.path("text").path("format"));
    return text.toString();
  }

  /**
   * The prompt tokens a request may cost, before any calibration: see the class comment for what counts.
   *
   * @param root the parsed body (a missing node when it is not JSON)
   */
  public static long tokens(JsonNode root, TokenEstimator estimator) {
    Tally tally = new Tally(estimator);
    for (String field : TEXT_FIELDS) {
      tally.text(root.path(field));
    }
    tally.input(root.path("input"));
    JsonNode messages = root.path("messages");
    if (messages.isArray()) {
      tally.tokens += PRIMING_TOKENS + (long) MESSAGE_TOKENS * messages.size();
      for (JsonNode message : messages) {
        tally.text(message.path("content"));
        tally.structure(message.path("tool_calls"));
        tally.structure(message.path("function_call"));
        tally.images(message.path("images"));
        message.fields().forEachRemaining(field -> {
          if (!MESSAGE_KNOWN.contains(field.getKey())) {
            tally.structure(field.getValue()); // thinking, or a field this class does not know
          }
        });
      }
    } else if (root.has("prompt")) {
      tally.tokens += PRIMING_TOKENS;
    }
    for (String field : STRUCTURES) {
      tally.structure(root.path(field));
    }
    tally.structure(root.path("text").path("format"));
    tally.images(root.path("images"));
    JsonNode context = root.path("context");
    if (context.isArray()) {
      tally.tokens += context.size();
    }
    root.fields().forEachRemaining(field -> {
      if (!KNOWN.contains(field.getKey())) {
        tally.structure(field.getValue());
      }
    });
    return tally.tokens;
  }

  /** Adds up one body's tokens; one per call of {@link #tokens}. */
  private static final class Tally {
    private final TokenEstimator estimator;
    long tokens;

    Tally(TokenEstimator estimator) {
      this.estimator = estimator;
    }

    void text(JsonNode node) {
      if (node.isTextual()) {
        tokens += estimator.count(node.asText());
      } else if (node.isArray()) {
        for (JsonNode part : node) {
          if (part.isTextual()) {
            tokens += estimator.count(part.asText());
          } else if (isImage(part)) {
            image(part);
          } else if (part.path("text").isTextual()) {
            tokens += estimator.count(part.path("text").asText());
          } else if (part.path("content").isTextual()) {
            tokens += estimator.count(part.path("content").asText());
          } else if (part.isObject()) {
            structure(part); // a part of a kind not known here (audio, a file...): by its size
          }
        }
      }
    }

    void input(JsonNode input) {
      if (input.isArray()) {
        for (JsonNode item : input) {
          if (item.isNumber()) {
            tokens += 1; // a token id
          } else if (item.isArray()) {
            tokens += item.size(); // one input given as token ids
          } else {
            text(item.isTextual() ? item : JSON.createArrayNode().add(item));
          }
        }
      } else {
        text(input);
      }
    }

    void structure(JsonNode node) {
      if (node.isMissingNode() || node.isNull()) {
        return;
      }
      String json = node.toString();
      tokens += (json.length() + STRUCTURE_BYTES_PER_TOKEN - 1) / STRUCTURE_BYTES_PER_TOKEN;
    }

    void images(JsonNode images) {
      if (images.isArray()) {
        for (JsonNode image : images) {
          image(image);
        }
      }
    }

    private void image(JsonNode ignored) {
      tokens += IMAGE_TOKENS;
    }

    private static boolean isImage(JsonNode part) {
      String type = part.path("type").asText("");
      return type.equals("image_url") || type.equals("input_image") || type.equals("image");
    }
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

  private static void appendJson(StringBuilder text, JsonNode node) {
    if (!node.isMissingNode() && !node.isNull()) {
      text.append(node).append('\n');
    }
  }
}
