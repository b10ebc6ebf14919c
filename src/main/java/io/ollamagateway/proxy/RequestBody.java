package io.ollamagateway.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.InputStream;

/**
 * A buffered JSON request body and the few top-level fields the gateway reads from it. The fields are found
 * with a streaming parser that stops as soon as it has them, so a large body (base64 images) is not turned
 * into a tree. A body that is not a JSON object yields no fields and is forwarded unchanged: judging it is
 * the upstream's job.
 *
 * <p>Confined to the request's event loop.
 */
public final class RequestBody {

  private static final JsonFactory JSON = new JsonFactory();

  private final Buffer bytes;
  private boolean parsed;
  private String model;
  private Boolean stream;

  public RequestBody(Buffer bytes) {
    this.bytes = bytes;
  }

  /** The same request with other bytes to send; the fields already read are kept. */
  RequestBody withBytes(Buffer replacement) {
    parse();
    RequestBody copy = new RequestBody(replacement);
    copy.parsed = true;
    copy.model = model;
    copy.stream = stream;
    return copy;
  }

  public Buffer bytes() {
    return bytes;
  }

  /** The model the request names ({@code model}, or the legacy {@code name}, or {@code source} of a copy). */
  public String model() {
    parse();
    return model;
  }

  /** The {@code stream} field, or {@code null} when the body does not set it. */
  public Boolean stream() {
    parse();
    return stream;
  }

  private void parse() {
    if (parsed) {
      return;
    }
    parsed = true;
    if (bytes.length() == 0) {
      return;
    }
    String name = null;
    String source = null;
    ByteBuf buffer = ((BufferInternal) bytes).unwrap();
    try (JsonParser parser = buffer.hasArray()
        ? JSON.createParser(buffer.array(), buffer.arrayOffset() + buffer.readerIndex(), buffer.readableBytes())
        : JSON.createParser(new BufferInput(bytes))) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "model" -> model = value == JsonToken.VALUE_STRING ? parser.getText() : model;
          case "name" -> name = value == JsonToken.VALUE_STRING ? parser.getText() : name;
          case "source" -> source = value == JsonToken.VALUE_STRING ? parser.getText() : source;
          case "stream" -> stream = value == JsonToken.VALUE_TRUE ? Boolean.TRUE
              : value == JsonToken.VALUE_FALSE ? Boolean.FALSE : stream;
          default -> parser.skipChildren();
        }
        if (model != null && stream != null) {
          return;
        }
      }
    } catch (IOException malformed) {
      // the upstream answers malformed JSON with its own 400
    } finally {
      if (model == null) {
        model = name != null ? name : source;
      }
    }
  }

  /** Reads a buffer without copying it whole: the parser stops early and large bodies stay where they are. */
  private static final class BufferInput extends InputStream {
    private final Buffer buffer;
    private int position;

    BufferInput(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public int read() {
      return position < buffer.length() ? buffer.getByte(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      int available = buffer.length() - position;
      if (available <= 0) {
        return -1;
      }
      int n = Math.min(length, available);
      buffer.getBytes(position, position + n, into, offset);
      position += n;
      return n;
    }
  }
}
