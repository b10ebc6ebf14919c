package io.ollamagateway.config;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

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
 * @param weight relative share of requests when several upstreams have a model (at least 1)
 * @param maxConcurrent requests sent to it at the same time; 0 means no cap (no queue either)
 * @param queueSize requests that may wait for a free slot when {@code maxConcurrent} is reached
 * @param models glob patterns ({@code *}, {@code ?}) of the models it serves; empty means "what its
 *     {@code /api/tags} lists"
 * @param kind what the upstream speaks: Ollama's API, or only the OpenAI-compatible one (vLLM, llama.cpp's
 *     server, LM Studio, LocalAI), to which native requests are translated
 */
public record UpstreamConfig(String name, boolean ssl, String host, int port, String basePath, List<String> keys,
    int weight, int maxConcurrent, int queueSize, List<String> models, Kind kind) {

  /** What an upstream speaks. */
  public enum Kind {
    /** Ollama: every native and OpenAI-compatible route. */
    OLLAMA,
    /** Only {@code /v1/chat/completions}, {@code /v1/completions}, {@code /v1/embeddings}, {@code /v1/models}. */
    OPENAI;

    /** {@code ollama} or {@code openai}, in any case; null for anything else. */
    public static Kind parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "ollama" -> OLLAMA;
        case "openai" -> OPENAI;
        default -> null;
      };
    }
  }

  public UpstreamConfig {
    keys = List.copyOf(keys);
    models = List.copyOf(models);
  }

  /** An Ollama upstream. */
  public UpstreamConfig(String name, boolean ssl, String host, int port, String basePath, List<String> keys,
      int weight, int maxConcurrent, int queueSize, List<String> models) {
    this(name, ssl, host, port, basePath, keys, weight, maxConcurrent, queueSize, models, Kind.OLLAMA);
  }

  /**
   * A copy of another kind. An OpenAI-compatible server's documented base URL ends in {@code /v1}, which the
   * gateway's paths already carry, so that suffix is not part of the prefix.
   */
  public UpstreamConfig withKind(Kind kind) {
    String base = kind == Kind.OPENAI && basePath.endsWith("/v1")
        ? basePath.substring(0, basePath.length() - "/v1".length()) : basePath;
    return new UpstreamConfig(name, ssl, host, port, base, keys, weight, maxConcurrent, queueSize, models, kind);
  }

  /** Whether the upstream speaks only the OpenAI-compatible API. */
  public boolean openAi() {
    return kind == Kind.OPENAI;
  }

  /** An upstream with weight 1, no concurrency cap and no model patterns. */
  public UpstreamConfig(String name, boolean ssl, String host, int port, String basePath, List<String> keys) {
    this(name, ssl, host, port, basePath, keys, 1, 0, 0, List.of());
  }

  /** A copy with routing and capacity settings. */
  public UpstreamConfig withRouting(int weight, int maxConcurrent, int queueSize, List<String> models) {
    return new UpstreamConfig(name, ssl, host, port, basePath, keys, weight, maxConcurrent, queueSize, models, kind);
  }

  /** Whether a model name matches one of the patterns (always false without patterns). */
  public boolean patternMatches(String model) {
    for (String glob : models) {
      if (glob(glob).matcher(model).matches()) {
        return true;
      }
    }
    return false;
  }

  private static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE);
  }

  /** Never prints the keys. */
  @Override
  public String toString() {
    return "UpstreamConfig[" + name + ", " + displayUrl() + ", " + keys.size() + " keys, weight " + weight
        + ", maxConcurrent " + maxConcurrent + ", models " + models + (openAi() ? ", openai" : "") + "]";
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
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
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
