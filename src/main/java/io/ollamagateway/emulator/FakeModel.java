package io.ollamagateway.emulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The emulator's deterministic "model": how many tokens a prompt has and what each generated token is.
 * A prompt token is a whitespace-separated word; chat templates add 4 tokens per message and 3 to prime the
 * answer, generate adds 2, as real templates add tokens a client never sees. Stateless.
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

  /** Prompt tokens of a native or OpenAI chat body. */
  static int chatPromptTokens(JsonArray messages) {
    int tokens = 3;
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
              }
            }
          }
        }
      }
    }
    return tokens;
  }

  /** Prompt tokens of a generate or completions prompt. */
  static int generatePromptTokens(String prompt, String system) {
    return 2 + words(prompt) + words(system);
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
