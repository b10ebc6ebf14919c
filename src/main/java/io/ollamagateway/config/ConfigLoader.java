package io.ollamagateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
  /** The upstream when Ollama Cloud keys are given and no upstream URL: Ollama Cloud. */
  public static final String OLLAMA_CLOUD_URL = "https://ollama.com";

  /**
   * Names the proxies this gateway replaces used (see docs/migration.md) that mean nothing here, with what to do
   * instead. Warned about from any source, the environment included.
   */
  private static final Map<String, String> FOREIGN = Map.of(
      "SECRET_KEY", "the gateway signs nothing with it: API keys are random and stored as hashes; remove it",
      "OLLAMA_HOST", "that is Ollama's own listen address; the gateway's upstream is OLLAMA_URL");
  /** Read by docker compose (docker-compose.yml, .env.example) or the JVM, not by the gateway: never warned. */
  private static final Set<String> NOT_FOR_THE_GATEWAY = Set.of("GATEWAY_PORT", "GATEWAY_ADMIN_PORT", "MULTI_PORT",
      "POSTGRES_PASSWORD", "JAVA_OPTS", "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "COMPOSE_PROJECT_NAME",
      "COMPOSE_PROFILES", "COMPOSE_FILE",
      // the TLS settings of OpenSSL, curl and Python: often set machine-wide, and a close spelling of TLS_*
      "SSL_CERT_FILE", "SSL_CERT_DIR", "SSL_KEY_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE");
  /** Structured sections of the config file, read as trees rather than through {@link Settings#get}. */
  private static final Set<String> YAML_SECTIONS = Set.of("KEYS", "UPSTREAMS", "WEBHOOKS", "ALIASES");

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|k|mb|m|gb|g|kib|mib|gib)?",
      Pattern.CASE_INSENSITIVE);

  private final Settings settings;
  /** What {@link #load} decided that a person should read at start-up (not warnings). */
  private final List<String> notes = new ArrayList<>();

  /** Not thread-safe: one loader reads one set of settings on one thread. */
  public ConfigLoader(Settings settings) {
    this.settings = settings;
  }

  /** Decisions of the last {@link #load} worth one INFO line each at start-up (such as a Cloud upstream). */
  public List<String> notes() {
    return List.copyOf(notes);
  }

  /**
   * One line per setting that was given but that the gateway does not read and a user may have meant: a name
   * of the proxies this gateway replaces, a close misspelling of a setting, or any unknown name written into
   * {@code .env}, {@code config/config.yaml} or {@code -s}. Call after {@link #load} and {@link #logging}, which
   * ask for every setting. Never shows a value.
   */
  public List<String> warnings() {
    List<String> known = List.of();
    List<String> warnings = new ArrayList<>();
    for (Settings.Value value : settings.unread()) {
      String name = value.name();
      if (NOT_FOR_THE_GATEWAY.contains(name) || YAML_SECTIONS.contains(name)) {
        continue;
      }
      if (FOREIGN.containsKey(name)) {
        warnings.add(value.describe() + " is not read by the gateway: " + FOREIGN.get(name));
        continue;
      }
      if (known.isEmpty()) {
        known = settings.askedNames();
      }
      String closest = closest(name, known);
      if (closest != null) {
        warnings.add(value.describe() + " is not a gateway setting and is ignored; did you mean " + closest + "?");
      } else if (value.source() != Settings.Source.ENVIRONMENT) {
        warnings.add(value.describe() + " is not a gateway setting and is ignored (see docs/configuration.md "
            + "and docs/migration.md)");
      }
    }
    return warnings;
  }

  /** The known name nearest to {@code name} by edit distance, if near enough to be a misspelling. */
  static String closest(String name, List<String> known) {
    if (name.length() < 5) {
      return null;
    }
    int allowed = name.length() >= 10 ? 2 : 1;
    String upper = name.toUpperCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      // the distance is at least the difference in length: most of the environment is skipped here, unmeasured
      if (Math.abs(candidate.length() - upper.length()) > allowed) {
        continue;
      }
      int d = distance(upper, candidate);
      if (d <= allowed && d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance, with an adjacent swap counted as one edit. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** Parses and validates everything the gateway needs to start. */
  public GatewayConfig load() {
    String host = string("HOST", "0.0.0.0");
    int port = integer("PORT", 8000, 0, 65535);
    UpstreamPolicy policy = upstreamPolicy();
    List<UpstreamConfig> upstreams = upstreams(policy);
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
    Duration usageFlush = duration("USAGE_FLUSH_INTERVAL", Duration.ofSeconds(1));
    if (usageFlush.isZero()) {
      throw new ConfigException("USAGE_FLUSH_INTERVAL must be greater than zero");
    }
    if (connect.isZero()) {
      throw new ConfigException("UPSTREAM_CONNECT_TIMEOUT must be greater than zero");
    }
    return new GatewayConfig(host, port, upstreams, token, open, origins, maxBody, connect, idle, clientIdle,
        grace, accessLog, maxConnections, loops, policy, metricsPublic, identity(), usageFlush, limits(),
        requestLog(), tls(), trustedProxies(), integer("AUTH_FAILURE_LIMIT", 10, 0, 1_000_000),
        clientLimits(), aliases(upstreams), embedCache());
  }

  /** {@code EMBED_CACHE}, {@code EMBED_CACHE_MAX_BYTES}, {@code EMBED_CACHE_TTL}, {@code EMBED_CACHE_SHARED}. */
  private EmbedCacheConfig embedCache() {
    EmbedCacheConfig d = EmbedCacheConfig.DEFAULTS;
    Duration ttl = duration("EMBED_CACHE_TTL", d.ttl());
    if (ttl.isZero()) {
      throw new ConfigException("EMBED_CACHE_TTL must be greater than zero; turn the cache off with EMBED_CACHE=off");
    }
    return new EmbedCacheConfig(bool("EMBED_CACHE", d.enabled()), size("EMBED_CACHE_MAX_BYTES", d.maxBytes()), ttl,
        bool("EMBED_CACHE_SHARED", d.shared()));
  }

  /** The {@code aliases:} section of the config file; every target must name a configured upstream. */
  private io.ollamagateway.routing.Aliases aliases(List<UpstreamConfig> upstreams) {
    Set<String> names = new LinkedHashSet<>();
    upstreams.forEach(u -> names.add(u.name()));
    try {
      return io.ollamagateway.routing.Aliases.parse(settings.yaml().path("aliases"), names);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config file: " + e.getMessage());
    }
  }

  /** {@code TRUSTED_PROXIES}: validated here so that a typo stops the start instead of trusting nobody. */
  private List<String> trustedProxies() {
    List<String> entries = list("TRUSTED_PROXIES");
    try {
      io.ollamagateway.net.TrustedProxies.of(entries);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(settings.get("TRUSTED_PROXIES").get().describe() + ": " + e.getMessage()
          + "; give comma-separated IP addresses or CIDR blocks, e.g. 10.0.0.0/8,192.168.1.10");
    }
    return entries;
  }

  private ClientLimits clientLimits() {
    long inFlight = size("MAX_BODY_BYTES_IN_FLIGHT", ClientLimits.defaultBodyBytesInFlight());
    if (inFlight < 1) {
      throw new ConfigException("MAX_BODY_BYTES_IN_FLIGHT must be greater than zero");
    }
    return new ClientLimits(inFlight, duration("CLIENT_HEADER_TIMEOUT", Duration.ofSeconds(30)),
        duration("CLIENT_BODY_TIMEOUT", Duration.ofSeconds(60)));
  }

  /** {@code REQUEST_LOG_RETENTION} when {@code REQUEST_LOG} is on, else empty. */
  private Optional<Duration> requestLog() {
    boolean on = bool("REQUEST_LOG", false);
    Duration retention = duration("REQUEST_LOG_RETENTION", Duration.ofDays(30));
    if (retention.isZero()) {
      throw new ConfigException("REQUEST_LOG_RETENTION must be greater than zero");
    }
    return on ? Optional.of(retention) : Optional.empty();
  }

  /** {@code REDIS_URL}, {@code LIMITS_FAIL_OPEN}, {@code QUOTA_TIME_ZONE} and the default hourly limits. */
  private LimitsConfig limits() {
    Optional<String> redis = settings.get("REDIS_URL").map(v -> v.value().trim()).filter(v -> !v.isEmpty());
    redis.ifPresent(url -> {
      if (!url.matches("rediss?://.+")) {
        throw new ConfigException(settings.get("REDIS_URL").get().describe()
            + " must look like redis://host:6379 (or rediss:// for TLS)");
      }
    });
    ZoneId zone = parsed("QUOTA_TIME_ZONE", ZoneId.of("UTC"), ZoneId::of, "a time zone such as UTC or Europe/Paris");
    return new LimitsConfig(redis, string("REDIS_KEY_PREFIX", "ogw:"), bool("LIMITS_FAIL_OPEN", false), zone,
        integer("REQUESTS_PER_HOUR_USER", 100, 0, Integer.MAX_VALUE),
        integer("REQUESTS_PER_HOUR_ADMIN", 1000, 0, Integer.MAX_VALUE),
        integer("QUOTA_OUTPUT_RESERVE", 4096, 1, Integer.MAX_VALUE),
        duration("QUOTA_RESYNC_INTERVAL", Duration.ofSeconds(5)),
        duration("QUOTA_RESERVATION_TTL", Duration.ofMinutes(15)));
  }

  /**
   * {@code TLS_CERT_FILE} and {@code TLS_KEY_FILE}: both or neither. Checks here what can be checked without
   * a TLS engine (readable files, PEM markers); whether the pair is usable is checked when the listener starts.
   */
  public Optional<TlsConfig> tls() {
    Optional<Settings.Value> cert = settings.get("TLS_CERT_FILE");
    Optional<Settings.Value> key = settings.get("TLS_KEY_FILE");
    if (cert.isEmpty() && key.isEmpty()) {
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      Settings.Value given = cert.orElseGet(key::get);
      throw new ConfigException(given.describe() + " is set but " + (cert.isEmpty() ? "TLS_CERT_FILE" : "TLS_KEY_FILE")
          + " is not; HTTPS needs both a certificate and its private key (PEM files)");
    }
    return Optional.of(new TlsConfig(pemFile(cert.get(), "CERTIFICATE-----"), pemFile(key.get(), "PRIVATE KEY-----")));
  }

  /** A readable PEM file holding a block whose header ends in {@code marker}; the message never shows content. */
  private static Path pemFile(Settings.Value value, String marker) {
    Path path = Path.of(value.value().trim());
    String text;
    try {
      text = Files.readString(path, StandardCharsets.US_ASCII);
    } catch (IOException | UncheckedIOException e) {
      throw new ConfigException(value.describe() + ": cannot read " + path + " (" + e.getClass().getSimpleName()
          + ")");
    } catch (RuntimeException e) {
      throw new ConfigException(value.describe() + ": " + path + " is not a PEM text file");
    }
    if (!text.contains("-----BEGIN ") || !text.contains(marker)) {
      throw new ConfigException(value.describe() + ": " + path + " holds no PEM block '-----BEGIN ..." + marker
          + "'");
    }
    return path.toAbsolutePath();
  }

  /** {@code LOG_FORMAT}, {@code LOG_LEVEL} and {@code LOG_LEVELS}: how the {@code serve} command logs. */
  public LoggingConfig logging() {
    LoggingConfig.Format format = parsed("LOG_FORMAT", LoggingConfig.Format.TEXT, LoggingConfig.Format::parse,
        "one of text, json");
    Optional<String> root = settings.get("LOG_LEVEL").map(v -> parsed("LOG_LEVEL", "INFO", LoggingConfig::level,
        "a log level (" + LoggingConfig.LEVELS + ")"));
    Map<String, String> levels = new LinkedHashMap<>();
    for (String entry : list("LOG_LEVELS")) {
      int eq = entry.indexOf('=');
      String logger = eq < 0 ? "" : entry.substring(0, eq).trim();
      String level = eq < 0 ? null : LoggingConfig.level(entry.substring(eq + 1).trim());
      if (logger.isEmpty() || level == null) {
        Settings.Value value = settings.get("LOG_LEVELS").orElseThrow();
        throw new ConfigException(value.describe() + ": '" + entry + "' is not LOGGER=LEVEL, e.g. access=WARN "
            + "or io.ollamagateway.upstream=DEBUG (levels: " + LoggingConfig.LEVELS + ")");
      }
      levels.put(logger, level);
    }
    return new LoggingConfig(format, root, levels);
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
    Duration poll = duration("IDENTITY_POLL_INTERVAL", Duration.ofMillis(500));
    if (poll.isZero()) {
      throw new ConfigException("IDENTITY_POLL_INTERVAL must be greater than zero");
    }
    Duration consoleIdle = duration("UI_SESSION_IDLE_TIMEOUT", Duration.ofMinutes(30));
    if (consoleIdle.isZero()) {
      throw new ConfigException("UI_SESSION_IDLE_TIMEOUT must be greater than zero");
    }
    Duration graceCap = duration("KEY_ROTATION_MAX_GRACE", Duration.ofHours(24));
    return new IdentityConfig(databaseUrl, IdentityConfig.defaults().workDir(), adminHost, adminPort, refresh,
        poll, consoleIdle, graceCap);
  }

  /** Key rotation, cooldowns, health checks and queues: {@code KEY_STRATEGY}, {@code KEY_COOLDOWN}... */
  private UpstreamPolicy upstreamPolicy() {
    UpstreamPolicy d = UpstreamPolicy.defaults();
    UpstreamPolicy.KeyStrategy strategy = parsed("KEY_STRATEGY", d.keyStrategy(), UpstreamPolicy.KeyStrategy::parse,
        "one of sticky, round-robin, least-recently-limited");
    Duration cooldown = duration("KEY_COOLDOWN", d.keyCooldown());
    Duration cooldownMax = duration("KEY_COOLDOWN_MAX", d.keyCooldownMax());
    Duration health = duration("HEALTH_CHECK_INTERVAL", d.healthCheckInterval());
    int queueSize = integer("UPSTREAM_QUEUE_SIZE", d.queueSize(), 0, 1_000_000);
    Duration queueTimeout = duration("UPSTREAM_QUEUE_TIMEOUT", d.queueTimeout());
    if (cooldown.isZero()) {
      throw new ConfigException("KEY_COOLDOWN must be greater than zero");
    }
    if (cooldownMax.compareTo(cooldown) < 0) {
      throw new ConfigException("KEY_COOLDOWN_MAX must not be shorter than KEY_COOLDOWN");
    }
    if (health.isZero()) {
      throw new ConfigException("HEALTH_CHECK_INTERVAL must be greater than zero");
    }
    return new UpstreamPolicy(strategy, cooldown, cooldownMax, health, queueSize, queueTimeout);
  }

  /**
   * The {@code upstreams:} list of the config file, or else the single upstream of the simple settings. Both
   * at once are refused: it would be unclear which one is meant.
   */
  private List<UpstreamConfig> upstreams(UpstreamPolicy policy) {
    JsonNode list = settings.yaml().path("upstreams");
    int maxConcurrent = integer("UPSTREAM_MAX_CONCURRENT", 0, 0, 1_000_000);
    if (list.isMissingNode() || list.isNull()) {
      return List.of(defaultUpstream().withRouting(1, maxConcurrent, policy.queueSize(), List.of()));
    }
    for (String simple : List.of("OLLAMA_URL", "OLLAMA_BASE_URL", "OLLAMA_API_KEY", "OLLAMA_API_KEYS")) {
      settings.get(simple).ifPresent(v -> {
        throw new ConfigException(v.describe() + " cannot be combined with the upstreams: list of the config "
            + "file; put the URL and keys into an entry of upstreams:");
      });
    }
    if (!settings.yaml().path("keys").isMissingNode()) {
      throw new ConfigException("config file: the top-level keys: list cannot be combined with upstreams:; "
          + "give each upstream its own keys:");
    }
    if (!list.isArray() || list.isEmpty()) {
      throw new ConfigException("config file: upstreams: must be a non-empty list of upstreams");
    }
    List<UpstreamConfig> result = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      UpstreamConfig upstream = upstreamEntry(list.get(i), "upstreams[" + i + "]", maxConcurrent, policy);
      if (!names.add(upstream.name())) {
        throw new ConfigException("config file: upstreams[" + i + "].name: '" + upstream.name()
            + "' is used twice; names must be unique");
      }
      result.add(upstream);
    }
    return result;
  }

  private UpstreamConfig upstreamEntry(JsonNode entry, String where, int maxConcurrent, UpstreamPolicy policy) {
    if (!entry.isObject()) {
      throw new ConfigException("config file: " + where + " must be a mapping with at least url:");
    }
    Set<String> known = Set.of("name", "url", "keys", "weight", "max_concurrent", "queue_size", "models", "kind");
    entry.fieldNames().forEachRemaining(field -> {
      if (!known.contains(field)) {
        throw new ConfigException("config file: " + where + "." + field + ": unknown field; expected one of "
            + String.join(", ", List.of("name", "url", "kind", "keys", "weight", "max_concurrent", "queue_size",
                "models")));
      }
    });
    JsonNode url = entry.path("url");
    if (!url.isTextual() || url.asText().isBlank()) {
      throw new ConfigException("config file: " + where + ".url: required, e.g. http://127.0.0.1:11434");
    }
    String name = entry.path("name").isMissingNode() ? "upstream-" + where.replaceAll("\\D", "")
        : entry.path("name").asText("").trim();
    if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
      throw new ConfigException("config file: " + where + ".name: must be letters, digits, '.', '_' or '-'");
    }
    List<String> keys = strings(entry.path("keys"), where + ".keys");
    List<String> models = strings(entry.path("models"), where + ".models");
    int weight = whole(entry.path("weight"), where + ".weight", 1, 1, 1000);
    int cap = whole(entry.path("max_concurrent"), where + ".max_concurrent", maxConcurrent, 0, 1_000_000);
    int queue = whole(entry.path("queue_size"), where + ".queue_size", policy.queueSize(), 0, 1_000_000);
    UpstreamConfig.Kind kind = UpstreamConfig.Kind.OLLAMA;
    if (!entry.path("kind").isMissingNode()) {
      kind = UpstreamConfig.Kind.parse(entry.path("kind").asText(""));
      if (kind == null) {
        throw new ConfigException("config file: " + where + ".kind: '" + entry.path("kind").asText()
            + "' is not one of ollama, openai");
      }
    }
    try {
      return UpstreamConfig.parse(name, url.asText(), keys).withRouting(weight, cap, queue, models).withKind(kind);
    } catch (IllegalArgumentException e) {
      // the URL is not a secret, but a URL with user info might carry one: the message never echoes user info
      throw new ConfigException("config file: " + where + ".url: " + e.getMessage());
    }
  }

  private static List<String> strings(JsonNode node, String where) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new ConfigException("config file: " + where + ": must be a list");
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode element = node.get(i);
      if (!element.isTextual() || element.asText().isBlank()) {
        throw new ConfigException("config file: " + where + "[" + i + "]: must be a non-empty string");
      }
      if (!values.contains(element.asText().trim())) {
        values.add(element.asText().trim());
      }
    }
    return values;
  }

  private static int whole(JsonNode node, String where, int fallback, int min, int max) {
    if (node.isMissingNode() || node.isNull()) {
      return fallback;
    }
    if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < min || node.asInt() > max) {
      throw new ConfigException("config file: " + where + ": '" + node.asText() + "' is not a whole number from "
          + min + " to " + max);
    }
    return node.asInt();
  }

  /**
   * The single upstream of {@code OLLAMA_URL} (or its alias {@code OLLAMA_BASE_URL}) with the keys of
   * {@code OLLAMA_API_KEY(S)} and {@code keys:}. Without a URL it is Ollama Cloud when keys are given (keys are
   * only ever for the Cloud, and sending them to a local Ollama would fail every call), else the local Ollama
   * ({@code LOCAL_OLLAMA_URL}, by default {@value #DEFAULT_OLLAMA_URL}).
   */
  private UpstreamConfig defaultUpstream() {
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
    Optional<Settings.Value> given = ollamaUrl();
    Settings.Value url;
    if (given.isPresent()) {
      url = given.get();
    } else if (!keys.isEmpty()) {
      url = new Settings.Value("OLLAMA_URL", OLLAMA_CLOUD_URL, Settings.Source.COMMAND_LINE);
      notes.add("upstream: Ollama Cloud (" + OLLAMA_CLOUD_URL + ") with " + keys.size() + " key"
          + (keys.size() == 1 ? "" : "s") + ", because Ollama Cloud keys are set and OLLAMA_URL is not; set "
          + "OLLAMA_URL to use another upstream");
    } else {
      // LOCAL_OLLAMA_URL: where "the local Ollama" is for this deployment (docker compose: the Docker host's)
      url = settings.get("LOCAL_OLLAMA_URL")
          .orElse(new Settings.Value("OLLAMA_URL", DEFAULT_OLLAMA_URL, Settings.Source.COMMAND_LINE));
    }
    try {
      return UpstreamConfig.parse("default", url.value(), new ArrayList<>(keys));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(url.describe() + ": " + e.getMessage());
    }
  }

  /** {@code OLLAMA_URL}, else its alias {@code OLLAMA_BASE_URL}; both with different values is refused. */
  private Optional<Settings.Value> ollamaUrl() {
    Optional<Settings.Value> url = settings.get("OLLAMA_URL");
    Optional<Settings.Value> alias = settings.get("OLLAMA_BASE_URL");
    if (url.isPresent() && alias.isPresent() && !url.get().value().trim().equals(alias.get().value().trim())) {
      throw new ConfigException(url.get().describe() + " and " + alias.get().describe() + " name different "
          + "upstreams; OLLAMA_BASE_URL is another name for OLLAMA_URL: keep one of them");
    }
    return url.isPresent() ? url : alias;
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
        "a duration such as 500ms, 30s, 10m, 1h or 30d (a bare number means seconds)");
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
      case "d" -> Duration.ofDays(n);
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
