package io.ollamagateway.api;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The id of one request, as the client, the logs, the error bodies and the upstream see it.
 *
 * <p>A client's {@code X-Request-Id} is kept when it is sane: 1 to {@value #MAX_LENGTH} characters of
 * {@code A-Z a-z 0-9 . _ : -} (a UUID, a ULID, an AWS or Heroku id all fit), so that it can go in a log line, a
 * header and a query parameter as it is. Anything else is replaced by a new id: 32 lower-case hex digits from
 * 128 random bits (the shape of a W3C trace id), made without a lock or a {@link java.security.SecureRandom}:
 * an id is a label, not a secret.
 *
 * <p>Stateless; thread-safe.
 */
public final class RequestId {

  /** The header that carries the id both ways. */
  public static final String HEADER = "X-Request-Id";
  /** The longest client id kept. */
  public static final int MAX_LENGTH = 128;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestId() {
  }

  /**
   * The request's id: the one already given to its response (a request that passed through the router
   * first), else the client's when sane, else a new one; set on the response's {@value #HEADER} header.
   */
  public static String assign(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    String id = response.headers().get(HEADER);
    if (id != null) {
      return id;
    }
    id = request.getHeader(HEADER);
    if (!valid(id)) {
      id = generate();
    }
    response.headers().set(HEADER, id);
    return id;
  }

  /** The id given to this request's response, or {@code null} when none was. */
  public static String of(HttpServerResponse response) {
    return response.headers().get(HEADER);
  }

  /** Whether a client's id may be kept. */
  public static boolean valid(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || c == '_' || c == '.' || c == ':';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A new id: 32 hex digits. */
  public static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    fill(out, 0, random.nextLong());
    fill(out, 16, random.nextLong());
    return new String(out);
  }

  private static void fill(char[] out, int at, long bits) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (bits & 0xf)];
      bits >>>= 4;
    }
  }
}
