package io.ollamagateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of tracing and alerts, read from the same layered {@link Settings} as the rest:
 * <ul>
 *   <li>{@code OTEL_*}: passed to the OpenTelemetry SDK as they are (see {@code io.ollamagateway.tracing});</li>
 *   <li>webhooks: a {@code webhooks:} list in the config file, each {@code {name, url, events, secret}}, and/or
 *       one webhook from {@code WEBHOOK_URL}, {@code WEBHOOK_SECRET} and {@code WEBHOOK_EVENTS} (named
 *       {@code default});</li>
 *   <li>{@code WEBHOOK_RETRY_DELAY} (first retry after, doubling each time; default 5s) and
 *       {@code WEBHOOK_MAX_ATTEMPTS} (default 6).</li>
 * </ul>
 *
 * @param otel the {@code OTEL_*} settings by name
 * @param webhooks the webhooks alerts are posted to; empty for none
 * @param retryDelay the wait before a failed delivery's first retry
 * @param maxAttempts attempts per delivery, the first included
 */
public record ObservabilityConfig(Map<String, String> otel, List<WebhookConfig> webhooks, Duration retryDelay,
    int maxAttempts) {

  /** The event types a webhook may ask for. */
  public static final Set<String> EVENT_TYPES = Set.of("quota.warning", "quota.exhausted", "upstream.down",
      "upstream.up", "key_pool.exhausted", "key_pool.recovered", "usage.write_failed", "usage.write_recovered");

  /** Nothing configured: no tracing settings, no webhooks. */
  public static final ObservabilityConfig NONE = new ObservabilityConfig(Map.of(), List.of(), Duration.ofSeconds(5),
      6);

  public ObservabilityConfig {
    otel = Map.copyOf(otel);
    webhooks = List.copyOf(webhooks);
  }

  /**
   * Reads the settings.
   *
   * @throws ConfigException naming the offending setting, never its value
   */
  public static ObservabilityConfig from(Settings settings) {
    List<WebhookConfig> hooks = new ArrayList<>();
    JsonNode list = settings.yaml().path("webhooks");
    if (!list.isMissingNode() && !list.isNull()) {
      if (!list.isArray()) {
        throw new ConfigException("config file: webhooks: must be a list of {name, url, events, secret}");
      }
      int i = 0;
      for (JsonNode node : list) {
        String where = "config file: webhooks[" + i++ + "]";
        if (!node.isObject()) {
          throw new ConfigException(where + ": must be a map with name, url, events and secret");
        }
        node.fieldNames().forEachRemaining(field -> {
          if (!Set.of("name", "url", "events", "secret").contains(field)) {
            throw new ConfigException(where + "." + field + ": unknown field; expected name, url, events, secret");
          }
        });
        String name = node.path("name").asText("webhook-" + i);
        List<String> events = new ArrayList<>();
        JsonNode eventsNode = node.path("events");
        if (eventsNode.isArray()) {
          eventsNode.forEach(e -> events.add(e.asText()));
        } else if (eventsNode.isTextual()) {
          events.addAll(List.of(eventsNode.asText().split(",")));
        }
        hooks.add(webhook(where, name, node.path("url").asText(null), events, node.path("secret").asText(null)));
      }
    }
    Optional<Settings.Value> url = settings.get("WEBHOOK_URL");
    if (url.isPresent()) {
      String events = settings.get("WEBHOOK_EVENTS").map(Settings.Value::value).orElse("");
      hooks.add(webhook("WEBHOOK_URL", "default", url.get().value(),
          events.isBlank() ? List.of() : List.of(events.split(",")),
          settings.get("WEBHOOK_SECRET").map(Settings.Value::value).orElse(null)));
    }
    Set<String> names = new HashSet<>();
    for (WebhookConfig hook : hooks) {
      if (!names.add(hook.name())) {
        throw new ConfigException("webhooks: two webhooks are named '" + hook.name() + "'; names must differ");
      }
    }
    Duration retry = settings.get("WEBHOOK_RETRY_DELAY").map(v -> {
      Duration d = ConfigLoader.parseDuration(v.value());
      if (d == null || d.isZero()) {
        throw new ConfigException(v.describe() + ": must be a duration such as 500ms, 5s or 1m");
      }
      return d;
    }).orElse(NONE.retryDelay());
    int attempts = settings.get("WEBHOOK_MAX_ATTEMPTS").map(v -> {
      try {
        int n = Integer.parseInt(v.value().trim());
        if (n >= 1 && n <= 20) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new ConfigException(v.describe() + ": must be a whole number from 1 to 20");
    }).orElse(NONE.maxAttempts());
    return new ObservabilityConfig(settings.withPrefix("OTEL_"), hooks, retry, attempts);
  }

  private static WebhookConfig webhook(String where, String name, String url, List<String> events, String secret) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException(where + ".name: 1 to 64 letters, digits or . _ -");
    }
    URI uri;
    try {
      uri = url == null ? null : new URI(url.trim());
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new ConfigException(where + " (webhook '" + name + "'): url must be an http:// or https:// URL");
    }
    if (secret == null || secret.length() < 16) {
      throw new ConfigException(where + " (webhook '" + name + "'): secret is required, at least 16 characters "
          + "(deliveries are signed with it; WEBHOOK_SECRET for WEBHOOK_URL)");
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (String event : events) {
      String type = event.trim().toLowerCase(Locale.ROOT);
      if (type.isEmpty() || type.equals("*")) {
        continue;
      }
      if (!EVENT_TYPES.contains(type)) {
        throw new ConfigException(where + " (webhook '" + name + "'): unknown event '" + type + "'; expected "
            + new java.util.TreeSet<>(EVENT_TYPES) + " or * for all");
      }
      wanted.add(type);
    }
    return new WebhookConfig(name, uri, wanted, secret);
  }
}
