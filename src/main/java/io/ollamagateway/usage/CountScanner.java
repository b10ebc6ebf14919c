package io.ollamagateway.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads token counts and generated text out of JSON documents that arrive in pieces: one document (a
 * non-streamed answer), a sequence of them (NDJSON), or the data of server-sent events. Nothing is
 * accumulated but the text it keeps: each piece is scanned once, in place, and forgotten.
 *
 * <p>Counts are recognised by their path, arrays being transparent: Ollama's {@code prompt_eval_count} and
 * {@code eval_count}; OpenAI's {@code usage.prompt_tokens} and {@code usage.completion_tokens}; the
 * {@code input_tokens} and {@code output_tokens} of {@code /v1/responses} and Anthropic's {@code /v1/messages}.
 * Generated text ({@code response}, {@code message.content}, {@code choices.delta.content}, ...) is kept as it
 * arrived, escapes and all (up to {@value #MAX_TEXT} bytes), so that it can be counted with the
 * {@link TokenEstimator} when no counts arrive; only then is it decoded, and when counts do arrive it is never
 * decoded nor tokenized.
 *
 * <p>This is a small JSON lexer of its own, not a JSON library's parser, because it runs over every byte of
 * every answer: with Jackson's non-blocking parser, which builds a token and a name for every value, scanning
 * cost 1.5-2.5 us of the gateway's 30 per non-streamed chat request, and this lexer spends about 1 us less
 * (bench/RESULTS.md, 2026-12-01 19:30). It follows the structure (objects, arrays, strings and their escapes,
 * numbers, literals) without validating more than it needs: input that cannot be JSON (an HTML error page, a
 * proxy's text) stops the scan, and the answer still flows. A name spelled with escapes is not recognised;
 * nobody sends one.
 *
 * <p>Not thread-safe: one scanner per answer, used on the answer's event loop.
 */
final class CountScanner {

  /** Text kept per answer for estimating: a long answer's estimate is extrapolated beyond it. */
  static final int MAX_TEXT = 16 * 1024;

  // The names the scanner tells apart; NO_NAME is an array's element or the root, which paths skip.
  private static final int NO_NAME = 0;
  private static final int OTHER = 1;
  private static final int PROMPT_EVAL_COUNT = 2;
  private static final int EVAL_COUNT = 3;
  private static final int PROMPT_TOKENS = 4;
  private static final int COMPLETION_TOKENS = 5;
  private static final int INPUT_TOKENS = 6;
  private static final int OUTPUT_TOKENS = 7;
  private static final int USAGE = 8;
  private static final int MESSAGE = 9;
  private static final int RESPONSE = 10;
  private static final int CHOICES = 11;
  private static final int DELTA = 12;
  private static final int CONTENT = 13;
  private static final int THINKING = 14;
  private static final int REASONING = 15;
  private static final int TEXT = 16;
  private static final int DONE = 17;
  /** Indexed by the constants above, from PROMPT_EVAL_COUNT on. */
  private static final byte[][] NAMES = names("", "", "prompt_eval_count", "eval_count", "prompt_tokens",
      "completion_tokens", "input_tokens", "output_tokens", "usage", "message", "response", "choices", "delta",
      "content", "thinking", "reasoning", "text", "done");
  private static final int MAX_NAME = 17;

  // What the next byte may be.
  private static final int VALUE = 0;        // a value (or ']' right after '[')
  private static final int KEY = 1;          // a name (or '}' right after '{')
  private static final int COLON = 2;        // the ':' after a name
  private static final int AFTER_VALUE = 3;  // ',' or the end of the container
  private static final int IN_STRING = 4;
  private static final int IN_NUMBER = 5;
  private static final int IN_LITERAL = 6;   // true, false, null

  private static final JsonFactory JSON = new JsonFactory();

  private final TokenEstimator estimator;
  private int state = VALUE;
  private boolean broken;
  /** Open containers; for each, whether it is an object and the name it was opened under. */
  private int depth;
  private boolean[] isObject = new boolean[16];
  private int[] names = new int[16];
  /** The name of the value being read (objects) or NO_NAME (arrays). */
  private int name = NO_NAME;
  // a name being read, possibly across pieces
  private final byte[] nameBytes = new byte[MAX_NAME];
  private int nameLength;
  // the string being read
  private boolean stringIsName;
  private boolean stringKept;
  private boolean escaped;
  // the number being read
  private boolean numberNegative;
  private boolean numberIsInteger;
  private long number;
  private int numberDigits;
  private int numberName;

  private long promptTokens = -1;
  private long completionTokens = -1;
  private boolean done;
  private byte[] text;
  private int textLength;
  private long droppedBytes;

  CountScanner(TokenEstimator estimator) {
    this.estimator = estimator;
  }

  /** Scans the next piece. The array is read before this returns, so the caller may reuse it. */
  void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end && !broken) {
      switch (state) {
        case IN_STRING -> i = string(bytes, i, end);
        case IN_NUMBER -> i = number(bytes, i, end);
        case IN_LITERAL -> {
          byte b = bytes[i];
          if (b >= 'a' && b <= 'z') {
            i++;
          } else {
            state = AFTER_VALUE;
          }
        }
        default -> structure(bytes[i++]);
      }
    }
  }

  /** A byte outside strings, numbers and literals. */
  private void structure(byte b) {
    if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
      return;
    }
    switch (state) {
      case KEY -> {
        if (b == '"') {
          stringIsName = true;
          nameLength = 0;
          state = IN_STRING;
        } else {
          close(b);
        }
      }
      case COLON -> {
        if (b == ':') {
          state = VALUE;
        } else {
          broken = true;
        }
      }
      case AFTER_VALUE -> {
        if (depth == 0) {
          value(b); // the next document of a stream
        } else if (b == ',') {
          state = isObject[depth - 1] ? KEY : VALUE;
          name = NO_NAME;
        } else {
          close(b);
        }
      }
      default -> {
        if (b == ']' && depth > 0 && !isObject[depth - 1]) {
          close(b);
        } else {
          value(b);
        }
      }
    }
  }

  private void value(byte b) {
    int valueName = depth > 0 && isObject[depth - 1] ? name : NO_NAME;
    switch (b) {
      case '{', '[' -> {
        open(b == '{', valueName);
        state = b == '{' ? KEY : VALUE;
        name = NO_NAME;
      }
      case '"' -> {
        stringIsName = false;
        stringKept = generated(valueName);
        state = IN_STRING;
      }
      case 't', 'f', 'n' -> {
        if (b == 't' && valueName == DONE && depth == 1) {
          done = true;
        }
        state = IN_LITERAL;
      }
      default -> {
        if (b == '-' || (b >= '0' && b <= '9')) {
          numberName = valueName;
          numberNegative = b == '-';
          numberIsInteger = true;
          number = b == '-' ? 0 : b - '0';
          numberDigits = b == '-' ? 0 : 1;
          state = IN_NUMBER;
        } else {
          broken = true; // not JSON
        }
      }
    }
  }

  private void open(boolean object, int openedUnder) {
    if (depth == isObject.length) {
      isObject = Arrays.copyOf(isObject, depth * 2);
      names = Arrays.copyOf(names, depth * 2);
    }
    isObject[depth] = object;
    names[depth] = openedUnder;
    depth++;
  }

  private void close(byte b) {
    if (depth == 0 || (b == '}') != isObject[depth - 1] || (b != '}' && b != ']')) {
      broken = true;
      return;
    }
    depth--;
    state = AFTER_VALUE;
  }

  /** Reads a string's bytes up to its closing quote; returns where it stopped. */
  private int string(byte[] bytes, int i, int end) {
    int start = i;
    if (escaped && i < end) { // the piece before ended with a backslash
      escaped = false;
      i++;
    }
    while (i < end) {
      byte b = bytes[i];
      if (b == '"') {
        break;
      }
      if (b == '\\') {
        if (i + 1 == end) {
          escaped = true;
        }
        i++;
      }
      i++;
    }
    int stop = Math.min(i, end);
    if (stringIsName) {
      int room = MAX_NAME - Math.min(nameLength, MAX_NAME);
      System.arraycopy(bytes, start, nameBytes, MAX_NAME - room, Math.min(stop - start, room));
      nameLength += stop - start;
    } else if (stringKept) {
      keep(bytes, start, stop - start);
    }
    if (i < end) { // the closing quote
      if (stringIsName) {
        name = lookUp();
        state = COLON;
      } else {
        state = AFTER_VALUE;
      }
      i++;
    }
    return Math.min(i, end);
  }

  /** Reads a number's bytes; returns where it stopped. Counts are integers that fit in a long. */
  private int number(byte[] bytes, int i, int end) {
    while (i < end) {
      byte b = bytes[i];
      if (b >= '0' && b <= '9') {
        if (numberDigits < 18) {
          number = number * 10 + (b - '0');
        } else {
          numberIsInteger = false; // too long to be a count
        }
        numberDigits++;
      } else if (b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') {
        numberIsInteger = false;
      } else {
        if (numberIsInteger && numberDigits > 0) {
          count(numberName, numberNegative ? -number : number);
        }
        state = AFTER_VALUE;
        return i;
      }
      i++;
    }
    return i;
  }

  private int lookUp() {
    // by length first: most names are none of these, and this runs for every name of every answer
    return switch (nameLength) {
      case 4 -> is(TEXT) ? TEXT : is(DONE) ? DONE : OTHER;
      case 5 -> is(USAGE) ? USAGE : is(DELTA) ? DELTA : OTHER;
      case 7 -> is(MESSAGE) ? MESSAGE : is(CHOICES) ? CHOICES : is(CONTENT) ? CONTENT : OTHER;
      case 8 -> is(RESPONSE) ? RESPONSE : is(THINKING) ? THINKING : OTHER;
      case 9 -> is(REASONING) ? REASONING : OTHER;
      case 10 -> is(EVAL_COUNT) ? EVAL_COUNT : OTHER;
      case 12 -> is(INPUT_TOKENS) ? INPUT_TOKENS : OTHER;
      case 13 -> is(PROMPT_TOKENS) ? PROMPT_TOKENS : is(OUTPUT_TOKENS) ? OUTPUT_TOKENS : OTHER;
      case 17 -> is(PROMPT_EVAL_COUNT) ? PROMPT_EVAL_COUNT : is(COMPLETION_TOKENS) ? COMPLETION_TOKENS : OTHER;
      default -> OTHER;
    };
  }

  /** Whether the name just read, of the same length, is this one. */
  private boolean is(int id) {
    byte[] known = NAMES[id];
    for (int i = 0; i < known.length; i++) {
      if (known[i] != nameBytes[i]) {
        return false;
      }
    }
    return true;
  }

  private void count(int countName, long value) {
    boolean counted = switch (countName) {
      case PROMPT_EVAL_COUNT, EVAL_COUNT -> within(NO_NAME, NO_NAME);
      case PROMPT_TOKENS, COMPLETION_TOKENS -> within(USAGE, NO_NAME);
      case INPUT_TOKENS -> within(USAGE, NO_NAME) || within(MESSAGE, USAGE) || within(RESPONSE, USAGE);
      case OUTPUT_TOKENS -> within(USAGE, NO_NAME) || within(RESPONSE, USAGE);
      default -> false;
    };
    if (!counted) {
      return;
    }
    if (countName == PROMPT_EVAL_COUNT || countName == PROMPT_TOKENS || countName == INPUT_TOKENS) {
      promptTokens = value;
    } else {
      completionTokens = value;
    }
  }

  /** Whether a string value under this name, here, is generated text. */
  private boolean generated(int valueName) {
    return switch (valueName) {
      case RESPONSE, DELTA -> within(NO_NAME, NO_NAME);
      case CONTENT -> within(MESSAGE, NO_NAME) || within(CHOICES, DELTA) || within(CHOICES, MESSAGE);
      case THINKING -> within(MESSAGE, NO_NAME);
      case REASONING -> within(CHOICES, DELTA);
      case TEXT -> within(CHOICES, NO_NAME) || within(DELTA, NO_NAME);
      default -> false;
    };
  }

  /**
   * Whether the names of the containers enclosing the current value, outermost first, leaving out the root
   * and array elements, are exactly {@code first} then {@code second} ({@code NO_NAME} for fewer):
   * {@code choices[0].delta.content} is within {@code choices}, {@code delta}.
   */
  private boolean within(int first, int second) {
    int matched = 0;
    for (int i = 1; i < depth; i++) {
      int opened = names[i];
      if (opened == NO_NAME) {
        continue;
      }
      int wanted = matched == 0 ? first : matched == 1 ? second : NO_NAME;
      if (opened != wanted) {
        return false;
      }
      matched++;
    }
    return matched == (first == NO_NAME ? 0 : second == NO_NAME ? 1 : 2);
  }

  private void keep(byte[] bytes, int offset, int length) {
    if (text == null) {
      text = new byte[Math.min(MAX_TEXT, Math.max(64, length))];
    }
    int room = MAX_TEXT - textLength;
    int kept = Math.min(length, room);
    if (textLength + kept > text.length) {
      text = Arrays.copyOf(text, Math.min(MAX_TEXT, Math.max(textLength + kept, text.length * 2)));
    }
    System.arraycopy(bytes, offset, text, textLength, kept);
    textLength += kept;
    droppedBytes += length - kept;
  }

  /** Stops scanning: later pieces are ignored. */
  void close() {
    broken = true;
  }

  /** Whether a token count was seen, of the prompt or of the completion. */
  boolean hasCounts() {
    return promptTokens >= 0 || completionTokens >= 0;
  }

  long promptTokens() {
    return Math.max(0, promptTokens);
  }

  long completionTokens() {
    return Math.max(0, completionTokens);
  }

  /** Whether a native {@code "done": true} document was seen. */
  boolean done() {
    return done;
  }

  /**
   * Tokens of the generated text that passed, by the estimator; beyond {@value #MAX_TEXT} bytes the rest is
   * extrapolated from the bytes per token of what was kept.
   */
  long estimatedCompletionTokens() {
    if (textLength == 0) {
      return 0;
    }
    long kept = estimator.count(decodedText());
    if (droppedBytes == 0) {
      return kept;
    }
    return Math.round(kept * (double) (textLength + droppedBytes) / textLength);
  }

  /** The kept text with its JSON escapes resolved; as plain UTF-8 if it was cut inside an escape. */
  private String decodedText() {
    byte[] quoted = new byte[textLength + 2];
    quoted[0] = '"';
    System.arraycopy(text, 0, quoted, 1, textLength);
    quoted[textLength + 1] = '"';
    try (JsonParser parser = JSON.createParser(quoted)) {
      parser.nextToken();
      return parser.getText();
    } catch (IOException e) {
      return new String(text, 0, textLength, StandardCharsets.UTF_8);
    }
  }

  private static byte[][] names(String... names) {
    byte[][] bytes = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      bytes[i] = names[i].getBytes(StandardCharsets.US_ASCII);
    }
    return bytes;
  }
}
