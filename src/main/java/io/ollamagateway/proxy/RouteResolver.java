package io.ollamagateway.proxy;

import java.util.Set;

/**
 * Maps the path a client called to the canonical upstream path, or says it is not a proxied path.
 *
 * <ul>
 *   <li>{@code /api/...} and {@code /v1/...} are proxied as they are;</li>
 *   <li>a doubled prefix is folded: {@code /api/api/chat} is {@code /api/chat}, {@code /api/v1/models} is
 *       {@code /v1/models} (clients given a base URL that already ends in {@code /api});</li>
 *   <li>native route names without the prefix get it: {@code /generate} is {@code /api/generate}.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class RouteResolver {

  private static final Set<String> NATIVE_NAMES = Set.of("generate", "chat", "embed", "embeddings", "tags",
      "show", "ps", "pull", "push", "create", "copy", "delete", "blobs", "version", "web_search", "web_fetch");

  private RouteResolver() {
  }

  /** The canonical path of a request path, or {@code null} when the gateway does not proxy it. */
  public static String canonicalPath(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    String p = path;
    while (p.startsWith("/api/api/") || p.equals("/api/api")) {
      p = p.substring(4);
    }
    while (p.startsWith("/v1/v1/")) {
      p = p.substring(3);
    }
    if (p.startsWith("/api/v1/")) {
      p = p.substring(4);
    }
    if (p.startsWith("/api/") || p.startsWith("/v1/")) {
      return p;
    }
    int end = p.indexOf('/', 1);
    String first = end < 0 ? p.substring(1) : p.substring(1, end);
    return NATIVE_NAMES.contains(first) ? "/api" + p : null;
  }
}
