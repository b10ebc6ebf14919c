package io.ollamagateway.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.ollamagateway.api.ApiError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A buffered JSON request body, checked and read the way Ollama reads it, so that what the gateway decides on
 * is what the upstream acts on:
 * <ul>
 *   <li>it must be exactly one JSON object (whatever the Content-Type said), else 400;</li>
 *   <li>top-level keys match case-insensitively, as Go's decoder matches struct fields (Unicode simple case
 *       folding: {@code "Model"}, {@code "MODEL"} and {@code "ſtream"} are {@code model} and {@code stream});
 *       two keys that fold to the same name are refused (400) rather than guessed at, and a key spelled other
 *       than in lower case is rewritten in lower case in the body forwarded, so that every later reader (limits,
 *       metering) and the upstream see one spelling;</li>
 *   <li>an exact duplicate key anywhere in the document (in {@code options}, say) is refused (400): Go keeps
 *       the last, a reader that stops at the first would not;</li>
 *   <li>the route's model fields ({@link Endpoint#modelFields()}) must be strings; a route that needs a model
 *       and has none is refused (400).</li>
 * </ul>
 * The whole body is tokenized once by a streaming parser (no tree) unless a key is spelled other than in lower
 * case (then it is read again, remembering every key, and rewritten).
 *
 * <p>Confined to the request's event loop.
 */
public final class RequestBody {

  // strings as long as MAX_BODY_SIZE allows (base64 images); nesting keeps Jackson's default bound
  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxStringLength(Integer.MAX_VALUE).build();
  private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(LIMITS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper TREE = new ObjectMapper(JsonFactory.builder().streamReadConstraints(LIMITS)
      .build());

  private final Buffer bytes;
  private final Map<String, String> models;
  private final String model;
  private final Boolean stream;
  private JsonNode tree;

  private RequestBody(Buffer bytes, Map<String, String> models, String model, Boolean stream) {
    this.bytes = bytes;
    this.models = models;
    this.model = model;
    this.stream = stream;
  }

  /**
   * Checks and reads a body for a JSON route.
   *
   * @return the body as it is to be forwarded (with its top-level keys in lower case) and what it says
   * @throws ApiError 400, naming what is wrong, when the body is not one JSON object, has duplicate keys,
   *     or lacks a model the route needs
   */
  public static RequestBody inspect(Buffer bytes, Endpoint endpoint) {
    if (bytes.length() == 0) {
      throw ApiError.badRequest("the request body is empty; " + "this route expects a JSON object");
    }
    try {
      // keys spelled other than in lower case are rare: only then is each top-level key remembered, to find two
      // spellings of one; the first read stops at such a key, before anything it could refuse later
      RequestBody body = read(bytes, endpoint, null);
      return body != null ? body : read(bytes, endpoint, new HashMap<>());
    } catch (JsonParseException e) {
      String message = e.getOriginalMessage();
      if (message != null && message.startsWith("Duplicate field")) {
        throw ApiError.badRequest("duplicate key in the request body: " + message);
      }
      throw ApiError.badRequest("the request body is not valid JSON: " + firstLine(message));
    } catch (IOException e) {
      throw ApiError.badRequest("the request body is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  /**
   * Reads the body once; {@code seen} collects each top-level key by its folded name, to refuse two that fold
   * to one. Without it, answers {@code null} at the first key that is not in lower case.
   */
  private static RequestBody read(Buffer bytes, Endpoint endpoint, Map<String, String> seen) throws IOException {
    List<String> fields = endpoint.modelFields();
    String[] found = new String[fields.size()];
    Boolean stream = null;
    boolean rename = false;
    try (JsonParser parser = parser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw ApiError.badRequest("the request body must be a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        String folded = fold(name);
        if (!folded.equals(name)) {
          if (seen == null) {
            return null;
          }
          rename = true;
        }
        String before = seen == null ? null : seen.put(folded, name);
        if (before != null) {
          throw ApiError.badRequest("duplicate key in the request body: '" + before + "' and '" + name
              + "' are the same field '" + folded + "'");
        }
        JsonToken value = parser.nextToken();
        int field = fields.indexOf(folded);
        if (field >= 0) {
          if (value == JsonToken.VALUE_STRING) {
            found[field] = parser.getText();
          } else if (value != JsonToken.VALUE_NULL) {
            throw ApiError.badRequest("'" + folded + "' must be a string naming a model");
          }
        } else if (folded.equals("stream")) {
          stream = value == JsonToken.VALUE_TRUE ? Boolean.TRUE : value == JsonToken.VALUE_FALSE ? Boolean.FALSE
              : null;
        }
        parser.skipChildren();
      }
      if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw ApiError.badRequest("the request body must be exactly one JSON object, with nothing after it");
      }
    }
    Map<String, String> models = models(fields, found);
    requireModels(endpoint, models);
    String model = null;
    for (String value : found) {
      if (value != null && !value.isEmpty()) {
        model = value;
        break;
      }
    }
    return new RequestBody(rename ? lowerCaseKeys(bytes) : bytes, models, model, stream);
  }

  /** The model fields present, in the route's order. */
  private static Map<String, String> models(List<String> fields, String[] found) {
    Map<String, String> models = null;
    for (int i = 0; i < found.length; i++) {
      if (found[i] != null) {
        if (found.length == 1) {
          return Map.of(fields.get(i), found[i]);
        }
        if (models == null) {
          models = new LinkedHashMap<>();
        }
        models.put(fields.get(i), found[i]);
      }
    }
    return models == null ? Map.of() : Collections.unmodifiableMap(models);
  }

  /** A strict parser over the body's bytes, without copying them when they are in one array. */
  private static JsonParser parser(Buffer bytes) throws IOException {
    ByteBuf buffer = ((BufferInternal) bytes).unwrap();
    return buffer.hasArray()
        ? JSON.createParser(buffer.array(), buffer.arrayOffset() + buffer.readerIndex(), buffer.readableBytes())
        : JSON.createParser(new BufferInput(bytes));
  }

  private static void requireModels(Endpoint endpoint, Map<String, String> models) {
    List<String> required = endpoint.requiredModelFields();
    if (required.isEmpty()) {
      return;
    }
    List<String> missing = new ArrayList<>();
    for (String field : required) {
      String value = models.get(field);
      if (value == null || value.isBlank()) {
        missing.add(field);
      }
    }
    boolean ok = endpoint.requiresAllModelFields() ? missing.isEmpty() : missing.size() < required.size();
    if (!ok) {
      throw ApiError.badRequest((endpoint.requiresAllModelFields() ? String.join(" and ", missing)
          : required.get(0)) + " is required");
    }
  }

  /** The same request with other bytes to send (a stage that rewrites it); what was read is kept. */
  RequestBody withBytes(Buffer replacement) {
    return new RequestBody(replacement, models, model, stream);
  }

  public Buffer bytes() {
    return bytes;
  }

  /**
   * The body as a tree, parsed once (on first use) with the same limits as {@link #inspect}, so that a stage
   * never sees less of the body than the gateway forwards. Shared: callers must not modify it.
   */
  public JsonNode tree() {
    if (tree == null) {
      try {
        ByteBuf buffer = ((BufferInternal) bytes).unwrap();
        tree = buffer.hasArray()
            ? TREE.readTree(buffer.array(), buffer.arrayOffset() + buffer.readerIndex(), buffer.readableBytes())
            : TREE.readTree(new BufferInput(bytes));
      } catch (IOException e) {
        tree = MissingNode.getInstance(); // not after inspect: it refused what does not parse
      }
    }
    return tree;
  }

  /**
   * The model the request is routed by: the first of the route's model fields that is present ({@code model},
   * or the legacy {@code name}; {@code source} of a copy), or {@code null}.
   */
  public String model() {
    return model;
  }

  /** Every model field present, by (lower-case) field name: each is checked against an allowlist. */
  public Map<String, String> models() {
    return models;
  }

  /** The {@code stream} field, or {@code null} when the body does not set it. */
  public Boolean stream() {
    return stream;
  }

  /**
   * A key as Go's encoding/json matches it against a struct field: Unicode simple case folding, which makes
   * {@code K} (Kelvin sign) a {@code k} and {@code ſ} (long s) an {@code s}.
   */
  static String fold(String key) {
    StringBuilder out = null;
    for (int i = 0; i < key.length(); ) {
      int c = key.codePointAt(i);
      int folded = Character.toLowerCase(Character.toUpperCase(c));
      if (folded != c && out == null) {
        out = new StringBuilder(key.length()).append(key, 0, i);
      }
      if (out != null) {
        out.appendCodePoint(folded);
      }
      i += Character.charCount(c);
    }
    return out == null ? key : out.toString();
  }

  private static Buffer lowerCaseKeys(Buffer bytes) {
    try {
      ObjectNode object = (ObjectNode) TREE.readTree(bytes.getBytes());
      ObjectNode renamed = TREE.createObjectNode();
      object.properties().forEach(e -> renamed.set(fold(e.getKey()), e.getValue()));
      return Buffer.buffer(TREE.writeValueAsBytes(renamed));
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot re-read a body it has parsed", e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "malformed";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  /** Reads a buffer without copying it whole. */
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
