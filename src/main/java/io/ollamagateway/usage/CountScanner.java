package io.ollamagateway.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;

/**
 * Reads token counts and generated text out of JSON documents that arrive in pieces: one document (a
 * non-streamed answer), a sequence of them (NDJSON), or the data of server-sent events. It uses Jackson's
 * non-blocking parser, so nothing is accumulated: each piece is scanned once and forgotten.
 *
 * <p>Counts are recognised by their path, arrays being transparent: Ollama's {@code prompt_eval_count} and
 * {@code eval_count}; OpenAI's {@code usage.prompt_tokens} and {@code usage.completion_tokens}; the
 * {@code input_tokens} and {@code output_tokens} of {@code /v1/responses} and Anthropic's {@code /v1/messages}.
 * Generated text ({@code response}, {@code message.content}, {@code choices.delta.content}, ...) is kept (up
 * to {@value #MAX_TEXT} characters) so that it can be counted with the {@link TokenEstimator} when no counts
 * arrive; when they do, the text is never tokenized.
 *
 * <p>Not thread-safe: one scanner per answer, used on the answer's event loop.
 */
final class CountScanner {

  private static final JsonFactory JSON = new JsonFactory();
  /** Text kept per answer for estimating: a long answer's estimate is extrapolated beyond it. */
  static final int MAX_TEXT = 16 * 1024;

  private final TokenEstimator estimator;
  private final JsonParser parser;
  private final ByteArrayFeeder feeder;
  private final String[] path = new String[16];
  private int depth;
  private boolean broken;
  private long promptTokens = -1;
  private long completionTokens = -1;
  private final StringBuilder text = new StringBuilder();
  private boolean textTruncated;
  private long droppedChars;
  private boolean done;
  private String error;

  CountScanner(TokenEstimator estimator) {
    this.estimator = estimator;
    try {
      this.parser = JSON.createNonBlockingByteArrayParser();
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
    }
    this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
  }

  /**
   * Scans the next piece. The array is read before this returns, so the caller may reuse it.
   */
  void feed(byte[] bytes, int offset, int length) {
    if (broken || length == 0) {
      return;
    }
    try {
      feeder.feedInput(bytes, offset, offset + length);
      JsonToken token;
      while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
        onToken(token);
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON after all (an HTML error page, a proxy's text): stop scanning, the answer still flows.
      broken = true;
    }
  }

  private void onToken(JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT, START_ARRAY -> {
        if (depth < path.length) {
          path[depth] = parser.currentName();
        }
        depth++;
      }
      case END_OBJECT, END_ARRAY -> depth--;
      case VALUE_NUMBER_INT -> count(parser.currentName());
      case VALUE_STRING -> text(parser.currentName());
      case VALUE_TRUE -> {
        if (depth == 1 && "done".equals(parser.currentName())) {
          done = true;
        }
      }
      default -> {
        // field names and other scalars carry nothing to count
      }
    }
  }

  // The paths below are matched with a switch on the name and a walk up the enclosing names, not by joining
  // them into a string: this runs for every value of every answer.

  private void count(String name) throws IOException {
    if (name == null) {
      return;
    }
    boolean prompt = switch (name) {
      case "prompt_eval_count" -> within(null, null);
      case "prompt_tokens" -> within("usage", null);
      case "input_tokens" -> within("usage", null) || within("message", "usage") || within("response", "usage");
      default -> false;
    };
    boolean completion = !prompt && switch (name) {
      case "eval_count" -> within(null, null);
      case "completion_tokens" -> within("usage", null);
      case "output_tokens" -> within("usage", null) || within("response", "usage");
      default -> false;
    };
    if (prompt) {
      promptTokens = parser.getLongValue();
    } else if (completion) {
      completionTokens = parser.getLongValue();
    }
  }

  private void text(String name) throws IOException {
    if (name == null) {
      return;
    }
    boolean generated = switch (name) {
      case "response", "delta" -> within(null, null);
      case "content" -> within("message", null) || within("choices", "delta") || within("choices", "message");
      case "thinking" -> within("message", null);
      case "reasoning" -> within("choices", "delta");
      case "text" -> within("choices", null) || within("delta", null);
      default -> false;
    };
    if (generated) {
      keep(parser.getText());
    } else if (depth == 1 && "error".equals(name)) {
      error = parser.getText();
    }
  }

  /**
   * Whether the names of the containers enclosing the current value, outermost first and arrays being
   * transparent, are exactly {@code first} then {@code second} ({@code null} for fewer):
   * {@code choices[0].delta.content} is within {@code choices}, {@code delta}.
   */
  private boolean within(String first, String second) {
    int matched = 0;
    for (int i = 1; i < depth && i < path.length; i++) {
      String name = path[i];
      if (name == null) {
        continue;
      }
      String wanted = matched == 0 ? first : matched == 1 ? second : null;
      if (!name.equals(wanted)) {
        return false;
      }
      matched++;
    }
    return matched == (first == null ? 0 : second == null ? 1 : 2);
  }

  /**
   * Stops scanning and gives the parser's buffers back. Closing also merges the field names this parser met
   * into the factory's shared table, so that the next answer's parser finds them instead of adding them again
   * (in a profile under load, parsing field names was most of the scanning time).
   */
  void close() {
    broken = true;
    try {
      parser.close();
    } catch (IOException e) {
      // a parser over bytes in memory has nothing to fail on when closing
    }
  }

  /** Whether a count of the prompt was seen. */
  boolean hasCounts() {
    return promptTokens >= 0 || completionTokens >= 0;
  }

  long promptTokens() {
    return Math.max(0, promptTokens);
  }

  long completionTokens() {
    return Math.max(0, completionTokens);
  }

  private void keep(String piece) {
    int room = MAX_TEXT - text.length();
    if (piece.length() <= room) {
      text.append(piece);
    } else {
      text.append(piece, 0, Math.max(0, room));
      droppedChars += piece.length() - Math.max(0, room);
      textTruncated = true;
    }
  }

  /**
   * Tokens of the generated text that passed, by the estimator; beyond {@value #MAX_TEXT} characters the rest
   * is extrapolated from the characters per token of what was kept.
   */
  long estimatedCompletionTokens() {
    long kept = estimator.count(text.toString());
    if (!textTruncated || text.length() == 0) {
      return kept;
    }
    return Math.round(kept * (double) (text.length() + droppedChars) / text.length());
  }

  /** Whether a native {@code "done": true} document was seen. */
  boolean done() {
    return done;
  }

  /** The message of a top-level {@code "error"} string, if one was seen. */
  String error() {
    return error;
  }
}
