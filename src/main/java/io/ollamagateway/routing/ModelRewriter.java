package io.ollamagateway.routing;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites the value of every {@code "model"} key of a JSON, NDJSON or SSE answer to the name the client asked
 * for, as the bytes stream past, without holding more than the current chunk.
 *
 * <p>In valid JSON the bytes {@code "model":"} with unescaped quotes can only be the key {@code model} with a
 * string value (inside a string every quote is escaped), so a byte-level state machine suffices: it copies
 * every byte, and once it has seen {@code "model"}, optional blanks, {@code :}, optional blanks and the opening
 * quote, it writes the alias and drops the upstream's value up to its closing quote. A match split across two
 * chunks is followed through, since the state survives between chunks.
 *
 * <p>One per answer; confined to the answer's event loop.
 */
public final class ModelRewriter {

  private static final byte[] KEY = "\"model\"".getBytes(StandardCharsets.US_ASCII);

  private final byte[] replacement;
  /** Bytes of {@link #KEY} matched so far; {@code KEY.length} once the key is complete. */
  private int matched;
  private boolean afterColon;
  private boolean inValue;
  private boolean escaped;

  /** @param model the name to put in place of the upstream's (a model name: no quotes or backslashes) */
  public ModelRewriter(String model) {
    this.replacement = model.replace("\\", "\\\\").replace("\"", "\\\"").getBytes(StandardCharsets.UTF_8);
  }

  /** The chunk with its model values rewritten; {@code chunk} itself when it holds none. */
  public Buffer apply(Buffer chunk) {
    Buffer out = null;
    int length = chunk.length();
    for (int i = 0; i < length; i++) {
      byte b = chunk.getByte(i);
      if (inValue) {
        if (out == null) {
          out = Buffer.buffer(length + replacement.length).appendBuffer(chunk, 0, i);
        }
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inValue = false;
          out.appendByte(b);
        }
        continue;
      }
      if (out != null) {
        out.appendByte(b);
      }
      step(b);
      if (inValue) {
        if (out == null) {
          out = Buffer.buffer(length + replacement.length).appendBuffer(chunk, 0, i + 1);
        }
        out.appendBytes(replacement);
      }
    }
    return out == null ? chunk : out;
  }

  private void step(byte b) {
    if (matched == KEY.length) {
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
        return;
      }
      if (!afterColon && b == ':') {
        afterColon = true;
        return;
      }
      if (afterColon && b == '"') {
        inValue = true;
      }
      matched = b == '"' && !inValue ? 1 : 0;
      afterColon = false;
      return;
    }
    if (b == KEY[matched]) {
      matched++;
    } else {
      matched = b == '"' ? 1 : 0;
    }
  }
}
