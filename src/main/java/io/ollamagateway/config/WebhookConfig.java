package io.ollamagateway.config;

import java.net.URI;
import java.util.Set;

/**
 * One webhook that alerts are posted to.
 *
 * @param name a short label for the delivery log
 * @param url where events are POSTed ({@code http} or {@code https})
 * @param events the event types it wants ({@code quota.warning}...); empty means every type
 * @param secret the key of the HMAC-SHA256 signature of each delivery; never logged or shown
 */
public record WebhookConfig(String name, URI url, Set<String> events, String secret) {

  public WebhookConfig {
    events = Set.copyOf(events);
  }

  /** Whether this webhook wants events of {@code type}. */
  public boolean wants(String type) {
    return events.isEmpty() || events.contains(type);
  }

  /** The URL without its query or user info, which may carry tokens: what the admin API and logs show. */
  public String displayUrl() {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
        + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "WebhookConfig[" + name + ", " + displayUrl() + ", " + events + "]";
  }
}
