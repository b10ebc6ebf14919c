package io.ollamagateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the gateway. Hop-by-hop headers never do (RFC 9110 section 7.6.1), nor anything named
 * in {@code Connection}. Towards the upstream the client's credentials and Host are dropped too (the
 * upstream gets its own Host, and the gateway's upstream key), and so is {@code Accept-Encoding}, so that
 * answers arrive as text the gateway can meter. Towards the client, the upstream's CORS headers are dropped:
 * the gateway's own CORS policy is the only one. Stateless.
 */
final class Headers {

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
  private static final Set<String> NOT_UPSTREAM = Set.of("host", "content-length", "authorization",
      "x-api-key", "cookie", "accept-encoding", "expect", "origin");

  private Headers() {
  }

  /** Copies the client's headers that may reach the upstream. */
  static void copyToUpstream(MultiMap from, HttpHeaders to) {
    String connection = from.get("connection");
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !NOT_UPSTREAM.contains(name) && !namedIn(connection, name)) {
        to.add(header.getKey(), header.getValue());
      }
    }
  }

  /** Copies the upstream's headers that may reach the client. */
  static void copyToClient(HttpHeaders from, MultiMap to) {
    String connection = from.get("connection");
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !name.startsWith("access-control-") && !namedIn(connection, name)) {
        to.add(header.getKey(), header.getValue());
      }
    }
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
