package io.ollamagateway.net;

import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code TRUSTED_PROXIES}: the reverse proxies (IP addresses and CIDR blocks) whose forwarding headers the
 * gateway believes, and the one rule for "the real client address" that everything keyed by address uses
 * (throttling, sign-in delays, logs, the headers sent upstream).
 *
 * <p>The peer of the TCP connection is the client, unless the peer is a trusted proxy: then
 * {@code X-Forwarded-For} is read from right to left, skipping trusted proxies, and the first address that is
 * not one is the client (all trusted: the leftmost); without that header, the {@code for=} parameters of the
 * standard {@code Forwarded} header (RFC 7239) are read the same way; without either, a valid
 * {@code X-Real-IP}; else the peer. A client's own headers from an untrusted peer are never read, so they cannot choose its address.
 * Entries are IP literals only: nothing here resolves a name.
 *
 * <p>Immutable and thread-safe; never blocks.
 */
public final class TrustedProxies {

  /** Nobody is trusted: every client is its peer. The default. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  private record Block(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (network[whole] & mask);
    }
  }

  private final List<Block> blocks;

  private TrustedProxies(List<Block> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  /**
   * Parses entries such as {@code 10.0.0.0/8}, {@code 192.168.1.10}, {@code fd00::/8}.
   *
   * @throws IllegalArgumentException naming the first entry that is not an IP address or CIDR block
   */
  public static TrustedProxies of(List<String> entries) {
    List<Block> blocks = new ArrayList<>();
    for (String entry : entries) {
      String text = entry.trim();
      int slash = text.indexOf('/');
      byte[] address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? text : text.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block");
      }
      int bits = address.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > address.length * 8) {
          throw new IllegalArgumentException("'" + text + "' has no valid prefix length (0-" + address.length * 8
              + ")");
        }
      }
      blocks.add(new Block(address, bits));
    }
    return new TrustedProxies(blocks);
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code ip} (a literal; null or anything else is not) is a trusted proxy. */
  public boolean trusts(String ip) {
    if (blocks.isEmpty() || ip == null) {
      return false;
    }
    byte[] address = NetUtil.createByteArrayFromIpAddressString(ip);
    if (address == null) {
      return false;
    }
    if (address.length == 16 && isMappedV4(address)) {
      byte[] v4 = new byte[4];
      System.arraycopy(address, 12, v4, 0, 4);
      address = v4;
    }
    for (Block block : blocks) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The address of the TCP peer, or {@code "unknown"} (a Unix socket, a closed connection). */
  public static String peer(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    String host = remote == null ? null : remote.hostAddress();
    return host == null || host.isEmpty() ? "unknown" : host;
  }

  /** The real client address of a request, by the rule above. */
  public String client(HttpServerRequest request) {
    String peer = peer(request);
    if (!trusts(peer)) {
      return peer;
    }
    return client(peer, request.headers());
  }

  /** The real client address when {@code peer} is trusted, from the headers it passed on. */
  String client(String peer, MultiMap headers) {
    List<String> chain = forwardedFor(headers);
    if (chain.isEmpty()) {
      chain = forwardedParameters(headers);
    }
    for (int i = chain.size() - 1; i >= 0; i--) {
      String hop = chain.get(i);
      if (!NetUtil.isValidIpV4Address(hop) && !NetUtil.isValidIpV6Address(hop)) {
        // garbage in the chain: believe nothing to the left of it
        return i == chain.size() - 1 ? peer : chain.get(i + 1);
      }
      if (!trusts(hop) || i == 0) {
        return hop;
      }
    }
    String real = headers.get("X-Real-IP");
    if (real != null && (NetUtil.isValidIpV4Address(real.trim()) || NetUtil.isValidIpV6Address(real.trim()))) {
      return real.trim();
    }
    return peer;
  }

  /** Every entry of every {@code X-Forwarded-For} line, in order, trimmed (brackets of IPv6 removed). */
  public static List<String> forwardedFor(MultiMap headers) {
    List<String> lines = headers.getAll("X-Forwarded-For");
    if (lines.isEmpty()) {
      return List.of();
    }
    List<String> chain = new ArrayList<>();
    for (String line : lines) {
      for (String hop : line.split(",")) {
        String h = hop.trim();
        if (h.startsWith("[") && h.indexOf(']') > 0) {
          h = h.substring(1, h.indexOf(']'));
        }
        if (!h.isEmpty()) {
          chain.add(h);
        }
      }
    }
    return chain;
  }

  /**
   * The {@code for=} node of every element of every {@code Forwarded} line, in order: quotes removed, an IPv6
   * address out of its brackets, a port dropped. An obfuscated or {@code unknown} node is kept as it is, so
   * that the chain rule believes nothing to the left of it.
   */
  static List<String> forwardedParameters(MultiMap headers) {
    List<String> chain = new ArrayList<>();
    for (String line : headers.getAll("Forwarded")) {
      for (String element : line.split(",")) {
        for (String pair : element.split(";")) {
          int eq = pair.indexOf('=');
          if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase("for")) {
            chain.add(node(pair.substring(eq + 1).trim()));
          }
        }
      }
    }
    return chain;
  }

  private static String node(String value) {
    String v = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
        ? value.substring(1, value.length() - 1) : value;
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      return close > 0 ? v.substring(1, close) : v;
    }
    int colon = v.indexOf(':');
    return colon > 0 && colon == v.lastIndexOf(':') ? v.substring(0, colon) : v;
  }

  private static boolean isMappedV4(byte[] address) {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
  }
}
