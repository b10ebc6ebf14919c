package io.ollamagateway.emulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The emulator's deterministic "model": how many tokens a prompt has and what each generated token is.
 * A prompt token is a whitespace-separated word; chat templates add 4 tokens per message and 3 to prime the
 * answer, generate adds 2, as real templates add tokens a client never sees. Like a real template, the prompt
 * also counts what is rendered around the text: tools, tool calls, format schemas (about one token per 3.2
 * characters of their JSON), context (one token an element) and images ({@value #IMAGE_TOKENS} each).
 * Stateless.
 */
final class FakeModel {

  private static final String[] WORDS = ("The quick brown fox jumps over the lazy dog while the gateway "
      + "counts every token exactly and streams each chunk as soon as it arrives").split(" ");

  private FakeModel() {
  }

  static int words(String text) {
    if (text == null || text.isBlank()) {
      return 0;
    }
    return text.trim().split("\\s+").length;
  }

  /**
   * Prompt tokens of a native or OpenAI chat body, as a chat template renders it: every message's text and
   * parts, its tool calls and images, the tools (or functions) offered and the output format's schema.
   */
  static int chatPromptTokens(JsonObject body) {
    int tokens = 3 + defaultSystemTokens(body);
    JsonArray messages = body.getValue("messages") instanceof JsonArray m ? m : null;
    if (messages != null) {
      for (Object m : messages) {
        tokens += 4;
        if (m instanceof JsonObject message) {
          Object content = message.getValue("content");
          if (content instanceof String text) {
            tokens += words(text);
          } else if (content instanceof JsonArray parts) {
            for (Object part : parts) {
              if (part instanceof JsonObject p && p.getValue("text") instanceof String text) {
                tokens += words(text);
              } else if (part instanceof JsonObject p && String.valueOf(p.getValue("type")).contains("image")) {
                tokens += IMAGE_TOKENS;
              }
            }
          }
          tokens += structure(message.getValue("tool_calls")) + structure(message.getValue("function_call"))
              + images(message.getValue("images"));
        }
      }
    }
    return tokens + tools(body.getValue("tools")) + tools(body.getValue("functions"))
        + structure(body.getValue("format")) + structure(body.getValue("response_format"));
  }

  /** Prompt tokens of a generate or completions prompt. */
  static int generatePromptTokens(String prompt, String system) {
    return 2 + words(prompt) + words(system);
  }

  /**
   * Prompt tokens of a native generate body as its template renders it: prompt, system, suffix, the template
   * given in the request, the previous context (one token an element), images and the format's schema.
   */
  static int generatePromptTokens(JsonObject body) {
    int tokens = generatePromptTokens(body.getValue("prompt") instanceof String p ? p : "",
        body.getValue("system") instanceof String s ? s : null);
    tokens += words(body.getValue("suffix") instanceof String s ? s : null)
        + words(body.getValue("template") instanceof String t ? t : null);
    if (body.getValue("context") instanceof JsonArray context) {
      tokens += context.size();
    }
    return tokens + images(body.getValue("images")) + structure(body.getValue("format"));
  }

  /**
   * The tokens of the system prompt a model's template adds when the request has none: qwen2.5-coder's
   * template says who it is ("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."), here
   * {@value #QWEN_SYSTEM_TOKENS} tokens. The other models add none (the default ones among them, so that
   * tests counting their prompts stay simple); start the emulator with a {@code qwen2.5-coder} model to
   * have a template that adds what the client never sent.
   */
  static int defaultSystemTokens(JsonObject body) {
    boolean qwen = body.getValue("model") instanceof String model && model.startsWith("qwen2.5-coder");
    boolean hasSystem = body.getValue("messages") instanceof JsonArray messages && messages.stream()
        .anyMatch(m -> m instanceof JsonObject message && "system".equals(message.getValue("role")));
    return qwen && !hasSystem ? QWEN_SYSTEM_TOKENS : 0;
  }

  static final int QWEN_SYSTEM_TOKENS = 24;

  /** What one image costs a vision model here (as llava's 576 or gemma's 256, a fixed count). */
  static final int IMAGE_TOKENS = 768;

  private static int images(Object images) {
    return images instanceof JsonArray array ? IMAGE_TOKENS * array.size() : 0;
  }

  /** A JSON structure rendered into the prompt: about one token per 3.2 characters of its JSON. */
  private static int structure(Object value) {
    if (value == null) {
      return 0;
    }
    String json = value instanceof String text ? text : io.vertx.core.json.Json.encode(value);
    return (int) Math.ceil(json.length() / 3.2);
  }

  /** Tools: their JSON, plus the framing the template puts around each. */
  private static int tools(Object tools) {
    return tools instanceof JsonArray array ? structure(array) + 6 * array.size() : structure(tools);
  }

  /** Tokens of an embedding input: a string or an array of strings. */
  static int inputTokens(Object input) {
    if (input instanceof String text) {
      return words(text);
    }
    int n = 0;
    if (input instanceof JsonArray array) {
      for (Object item : array) {
        n += item instanceof String text ? words(text) : 1;
      }
    }
    return n;
  }

  /** The text of generated token {@code i}, padded to {@code minBytes} when asked. */
  static String token(int i, int minBytes) {
    String word = (i == 0 ? "" : " ") + WORDS[i % WORDS.length];
    if (word.length() >= minBytes) {
      return word;
    }
    return word + ".".repeat(minBytes - word.length());
  }

  static JsonArray embedding(String text) {
    JsonArray vector = new JsonArray();
    int seed = text == null ? 0 : text.hashCode();
    for (int i = 0; i < 8; i++) {
      vector.add(((seed >>> i) & 0xff) / 255.0);
    }
    return vector;
  }
}
