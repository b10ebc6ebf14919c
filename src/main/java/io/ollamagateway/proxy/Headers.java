package io.ollamagateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.ollamagateway.net.TrustedProxies;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which headers cross the gateway. Hop-by-hop headers never do (RFC 9110 section 7.6.1), nor anything named
 * in {@code Connection}. Towards the upstream the client's credentials and Host are dropped too (the
 * upstream gets its own Host, and the gateway's upstream key), and so is {@code Accept-Encoding}, so that
 * answers arrive as text the gateway can meter. The forwarding headers ({@code X-Forwarded-*}, {@code Forwarded},
 * {@code X-Real-IP}) are not copied either: {@link #setForwarding} writes them from the real peer, keeping a
 * client's chain only when the peer is a trusted proxy. Towards the client, the upstream's CORS headers are dropped:
 * the gateway's own CORS policy is the only one. Stateless.
 */
final class Headers {

  // Compared ignoring case, without lower-casing each header name first (a copy per name, per request), nor
  // making each name a String.
  private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
  private static final List<String> NOT_UPSTREAM = List.of("host", "content-length", "authorization",
      "x-api-key", "cookie", "accept-encoding", "expect", "origin", "x-forwarded-for", "forwarded",
      "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip");
  private static final String CORS_PREFIX = "access-control-";

  private Headers() {
  }

  /** Copies the client's headers that may reach the upstream. */
  static void copyToUpstream(MultiMap from, HttpHeaders to) {
    String connection = from.get(HttpHeaderNames.CONNECTION);
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = entries(from); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> header = it.next();
      CharSequence name = header.getKey();
      if (!in(HOP_BY_HOP, name) && !in(NOT_UPSTREAM, name) && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  /**
   * The headers as they are held: Vert.x's HTTP/1 headers are Netty's, whose names need no copy into a
   * {@code String} each, as its {@code Map.Entry<String, String>} view makes.
   */
  private static Iterator<Map.Entry<CharSequence, CharSequence>> entries(MultiMap headers) {
    if (headers instanceof HttpHeaders netty) {
      return netty.iteratorCharSequence();
    }
    Iterator<Map.Entry<String, String>> strings = headers.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return strings.hasNext();
      }

      @Override
      public Map.Entry<CharSequence, CharSequence> next() {
        Map.Entry<String, String> next = strings.next();
        return Map.entry(next.getKey(), next.getValue());
      }
    };
  }

  /**
   * Sets {@code X-Forwarded-For}, {@code Forwarded}, {@code X-Forwarded-Proto} and {@code X-Real-IP} for the
   * upstream: the peer is appended to the chain it sent when it is a trusted proxy, and is the whole chain
   * otherwise; {@code X-Forwarded-Host} and {@code X-Forwarded-Port} pass only from a trusted proxy.
   */
  static void setForwarding(HttpServerRequest request, TrustedProxies proxies, HttpHeaders to) {
    String peer = TrustedProxies.peer(request);
    boolean trusted = proxies.trusts(peer);
    MultiMap from = request.headers();
    String chain = trusted ? String.join(", ", from.getAll("X-Forwarded-For")) : "";
    to.set("X-Forwarded-For", chain.isBlank() ? peer : chain + ", " + peer);
    String scheme = request.isSSL() ? "https" : "http";
    String node = peer.indexOf(':') >= 0 ? "\"[" + peer + "]\"" : peer;
    String element = "for=" + node + ";proto=" + scheme;
    String forwarded = trusted ? String.join(", ", from.getAll("Forwarded")) : "";
    to.set("Forwarded", forwarded.isBlank() ? element : forwarded + ", " + element);
    String proto = trusted ? from.get("X-Forwarded-Proto") : null;
    to.set("X-Forwarded-Proto", proto == null || proto.isBlank() ? scheme : proto);
    to.set("X-Real-IP", trusted ? proxies.client(request) : peer);
    if (trusted) {
      for (String name : List.of("X-Forwarded-Host", "X-Forwarded-Port")) {
        List<String> values = from.getAll(name);
        if (!values.isEmpty()) {
          to.set(name, values);
        }
      }
    }
  }

  /** Copies the upstream's headers that may reach the client. */
  static void copyToClient(HttpHeaders from, MultiMap to) {
    String connection = from.get(HttpHeaderNames.CONNECTION);
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = from.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> header = it.next();
      CharSequence name = header.getKey();
      if (!in(HOP_BY_HOP, name) && !AsciiString.regionMatches(name, true, 0, CORS_PREFIX, 0, CORS_PREFIX.length())
          && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  private static boolean in(List<String> names, CharSequence name) {
    for (int i = 0; i < names.size(); i++) {
      if (AsciiString.contentEqualsIgnoreCase(names.get(i), name)) { // compares the lengths first
        return true;
      }
    }
    return false;
  }

  private static boolean namedIn(String connection, CharSequence name) {
    if (connection == null) {
      return false;
    }
    for (String token : connection.split(",")) {
      if (AsciiString.contentEqualsIgnoreCase(token.trim(), name)) {
        return true;
      }
    }
    return false;
  }
}
