package io.ollamagateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Map;

/**
 * Which headers cross the gateway. Hop-by-hop headers never do (RFC 9110 section 7.6.1), nor anything named
 * in {@code Connection}. Towards the upstream the client's credentials and Host are dropped too (the
 * upstream gets its own Host, and the gateway's upstream key), and so is {@code Accept-Encoding}, so that
 * answers arrive as text the gateway can meter. Towards the client, the upstream's CORS headers are dropped:
 * the gateway's own CORS policy is the only one. Stateless.
 */
final class Headers {

  // Compared ignoring case, without lower-casing each header name first (a copy per name, per request).
  private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
  private static final List<String> NOT_UPSTREAM = List.of("host", "content-length", "authorization",
      "x-api-key", "cookie", "accept-encoding", "expect", "origin");
  private static final String CORS_PREFIX = "access-control-";

  private Headers() {
  }

  /** Copies the client's headers that may reach the upstream. */
  static void copyToUpstream(MultiMap from, HttpHeaders to) {
    String connection = from.get(HttpHeaderNames.CONNECTION);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (!in(HOP_BY_HOP, name) && !in(NOT_UPSTREAM, name) && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  /** Copies the upstream's headers that may reach the client. */
  static void copyToClient(HttpHeaders from, MultiMap to) {
    String connection = from.get(HttpHeaderNames.CONNECTION);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (!in(HOP_BY_HOP, name) && !name.regionMatches(true, 0, CORS_PREFIX, 0, CORS_PREFIX.length())
          && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  private static boolean in(List<String> names, String name) {
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(name)) { // compares the lengths first: most names differ in them
        return true;
      }
    }
    return false;
  }

  private static boolean namedIn(String connection, String name) {
    if (connection == null) {
      return false;
    }
    for (String token : connection.split(",")) {
      if (token.trim().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
