package io.ollamagateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives {@link Settings} their meaning: parses, validates and applies defaults. Every problem is reported as a
 * {@link ConfigException} whose message names the setting and its source, and never echoes a secret.
 */
public final class ConfigLoader {

  public static final String DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434";

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|k|mb|m|gb|g|kib|mib|gib)?",
      Pattern.CASE_INSENSITIVE);

  private final Settings settings;

  public ConfigLoader(Settings settings) {
    this.settings = settings;
  }

  /** Parses and validates everything the gateway needs to start. */
  public GatewayConfig load() {
    String host = string("HOST", "0.0.0.0");
    int port = integer("PORT", 8000, 0, 65535);
    List<UpstreamConfig> upstreams = List.of(defaultUpstream());
    Optional<String> token = settings.get("PROXY_AUTH_TOKEN").map(Settings.Value::value).map(String::trim);
    boolean open = bool("ALLOW_UNAUTHENTICATED_ACCESS", false);
    List<String> origins = list("ALLOWED_ORIGINS");
    long maxBody = size("MAX_BODY_SIZE", 32L * 1024 * 1024);
    Duration connect = duration("UPSTREAM_CONNECT_TIMEOUT", Duration.ofSeconds(10));
    Duration idle = duration("UPSTREAM_IDLE_TIMEOUT", Duration.ofMinutes(10));
    Duration clientIdle = duration("CLIENT_IDLE_TIMEOUT", Duration.ofMinutes(15));
    Duration grace = duration("SHUTDOWN_GRACE", Duration.ofSeconds(30));
    boolean accessLog = bool("ACCESS_LOG", true);
    int maxConnections = integer("UPSTREAM_MAX_CONNECTIONS", 1000, 1, 100_000);
    int loops = integer("EVENT_LOOPS", Runtime.getRuntime().availableProcessors(), 1, 256);
    boolean metricsPublic = bool("METRICS_PUBLIC", false);
    if (connect.isZero()) {
      throw new ConfigException("UPSTREAM_CONNECT_TIMEOUT must be greater than zero");
    }
    return new GatewayConfig(host, port, upstreams, token, open, origins, maxBody, connect, idle, clientIdle,
        grace, accessLog, maxConnections, loops, metricsPublic, identity());
  }

  /** The identity settings alone: what the {@code users} and {@code keys} commands need. */
  public IdentityConfig identity() {
    Optional<String> databaseUrl = settings.get("DATABASE_URL").map(v -> v.value().trim());
    String adminHost = string("ADMIN_HOST", "127.0.0.1");
    OptionalInt adminPort = settings.get("ADMIN_PORT").isEmpty() ? OptionalInt.empty()
        : OptionalInt.of(integer("ADMIN_PORT", 0, 0, 65535));
    Duration refresh = duration("KEY_CACHE_REFRESH", Duration.ofSeconds(30));
    if (refresh.isZero()) {
      throw new ConfigException("KEY_CACHE_REFRESH must be greater than zero");
    }
    return new IdentityConfig(databaseUrl, IdentityConfig.defaults().workDir(), adminHost, adminPort, refresh);
  }

  /** The single upstream of {@code OLLAMA_URL} with the keys of {@code OLLAMA_API_KEY(S)} and {@code keys:}. */
  private UpstreamConfig defaultUpstream() {
    Settings.Value url = settings.get("OLLAMA_URL")
        .orElse(new Settings.Value("OLLAMA_URL", DEFAULT_OLLAMA_URL, Settings.Source.COMMAND_LINE));
    Set<String> keys = new LinkedHashSet<>();
    settings.get("OLLAMA_API_KEY").ifPresent(v -> keys.add(v.value().trim()));
    keys.addAll(list("OLLAMA_API_KEYS"));
    JsonNode yamlKeys = settings.yaml().path("keys");
    if (yamlKeys.isArray()) {
      yamlKeys.forEach(k -> {
        if (k.isTextual() && !k.asText().isBlank()) {
          keys.add(k.asText().trim());
        }
      });
    }
    try {
      return UpstreamConfig.parse("default", url.value(), new ArrayList<>(keys));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(url.describe() + ": " + e.getMessage());
    }
  }

  private String string(String name, String fallback) {
    return settings.get(name).map(v -> v.value().trim()).orElse(fallback);
  }

  private <T> T parsed(String name, T fallback, Function<String, T> parser, String expected) {
    Optional<Settings.Value> value = settings.get(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      T result = parser.apply(value.get().value().trim());
      if (result != null) {
        return result;
      }
    } catch (RuntimeException ignored) {
      // reported below with the expected form
    }
    throw new ConfigException(value.get().describe() + ": '" + value.get().value().trim() + "' is not "
        + expected);
  }

  private int integer(String name, int fallback, int min, int max) {
    return parsed(name, fallback, text -> {
      int n = Integer.parseInt(text);
      return n >= min && n <= max ? n : null;
    }, "a whole number from " + min + " to " + max);
  }

  private boolean bool(String name, boolean fallback) {
    return parsed(name, fallback, ConfigLoader::parseBoolean, "a boolean (true/false, yes/no, 1/0, on/off)");
  }

  private Duration duration(String name, Duration fallback) {
    return parsed(name, fallback, ConfigLoader::parseDuration,
        "a duration such as 500ms, 30s, 10m or 1h (a bare number means seconds)");
  }

  private long size(String name, long fallback) {
    return parsed(name, fallback, ConfigLoader::parseSize, "a size such as 1048576, 512kb or 32mb");
  }

  private List<String> list(String name) {
    return settings.get(name)
        .map(v -> Arrays.stream(v.value().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
  }

  static Boolean parseBoolean(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> Boolean.TRUE;
      case "false", "no", "0", "off" -> Boolean.FALSE;
      default -> null;
    };
  }

  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  static Long parseSize(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long factor = switch (unit.charAt(0)) {
      case 'k' -> 1024L;
      case 'm' -> 1024L * 1024;
      case 'g' -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    return Math.multiplyExact(n, factor);
  }
}
