package io.ollamagateway.config;

import java.net.URI;
import java.util.List;

/**
 * Where one upstream Ollama lives and which Bearer keys it takes.
 *
 * @param name a short label for logs, metrics and errors
 * @param ssl whether to speak TLS
 * @param host host name or address
 * @param port TCP port
 * @param basePath path prefix put before every upstream path, without a trailing slash; empty for a plain
 *     Ollama. A configured URL ending in {@code /api} (Ollama Cloud's documented base) is the same upstream
 *     as its origin, so that suffix is not part of the prefix
 * @param keys Bearer keys for the upstream, in order; empty for a local Ollama
 */
public record UpstreamConfig(String name, boolean ssl, String host, int port, String basePath, List<String> keys) {

  public UpstreamConfig {
    keys = List.copyOf(keys);
  }

  /** The URL to show people: origin and prefix, never credentials. */
  public String displayUrl() {
    boolean defaultPort = (ssl && port == 443) || (!ssl && port == 80);
    return (ssl ? "https" : "http") + "://" + host + (defaultPort ? "" : ":" + port) + basePath;
  }

  /**
   * Parses an upstream URL such as {@code http://127.0.0.1:11434}, {@code https://ollama.com} or
   * {@code https://ollama.com/api}.
   *
   * @throws IllegalArgumentException with a message naming what is wrong
   */
  public static UpstreamConfig parse(String name, String url, List<String> keys) {
    URI uri;
    try {
      uri = URI.create(url.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + url + "' is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("'" + url + "' must start with http:// or https://");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException("'" + url + "' has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("'" + uri.getHost() + "' URL must not carry credentials; use OLLAMA_API_KEY");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("'" + url + "' must not have a query or fragment");
    }
    boolean ssl = scheme.equals("https");
    int port = uri.getPort() == -1 ? (ssl ? 443 : 80) : uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.endsWith("/api")) {
      path = path.substring(0, path.length() - "/api".length());
    }
    return new UpstreamConfig(name, ssl, uri.getHost(), port, path, keys);
  }
}
