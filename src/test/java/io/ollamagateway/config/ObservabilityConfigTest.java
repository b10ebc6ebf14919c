package io.ollamagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks and OTEL_* settings: from the config file and the environment, with errors that name the setting. */
class ObservabilityConfigTest {

  @TempDir
  Path dir;

  @Test
  void webhooksComeFromTheConfigFileAndFromWebhookUrl() throws Exception {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), """
        webhooks:
          - name: ops
            url: https://hooks.example.com/gateway?token=abc
            events: [quota.warning, upstream.down]
            secret: ops-secret-0123456789
        """);
    ObservabilityConfig config = ObservabilityConfig.from(Settings.load(Map.of(), Map.of(
        "WEBHOOK_URL", "http://127.0.0.1:9000/hook", "WEBHOOK_SECRET", "env-secret-0123456789",
        "WEBHOOK_RETRY_DELAY", "2s", "OTEL_SERVICE_NAME", "gw", "OLLAMA_URL", "http://x"), dir, null));
    assertThat(config.webhooks()).hasSize(2);
    WebhookConfig ops = config.webhooks().get(0);
    assertThat(ops.name()).isEqualTo("ops");
    assertThat(ops.events()).isEqualTo(Set.of("quota.warning", "upstream.down"));
    assertThat(ops.wants("upstream.up")).isFalse();
    assertThat(ops.displayUrl()).isEqualTo("https://hooks.example.com/gateway");
    assertThat(ops.toString()).doesNotContain("ops-secret").doesNotContain("abc");
    WebhookConfig env = config.webhooks().get(1);
    assertThat(env.name()).isEqualTo("default");
    assertThat(env.wants("usage.write_failed")).isTrue();
    assertThat(config.retryDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.maxAttempts()).isEqualTo(6);
    assertThat(config.otel()).isEqualTo(Map.of("OTEL_SERVICE_NAME", "gw"));
  }

  @Test
  void badWebhooksAreRefusedNamingTheSettingButNotTheSecret() {
    assertThatThrownBy(() -> from("WEBHOOK_URL", "ftp://x/y", "WEBHOOK_SECRET", "0123456789abcdef"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WEBHOOK_URL").hasMessageContaining("http");
    assertThatThrownBy(() -> from("WEBHOOK_URL", "http://x/y", "WEBHOOK_SECRET", "short"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("secret is required")
        .hasMessageNotContaining("short");
    assertThatThrownBy(() -> from("WEBHOOK_URL", "http://x/y", "WEBHOOK_SECRET", "0123456789abcdef",
        "WEBHOOK_EVENTS", "quota.warning,upstream.sideways"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("upstream.sideways");
    assertThatThrownBy(() -> from("WEBHOOK_URL", "http://x/y", "WEBHOOK_SECRET", "0123456789abcdef",
        "WEBHOOK_MAX_ATTEMPTS", "0")).isInstanceOf(ConfigException.class).hasMessageContaining("WEBHOOK_MAX_ATTEMPTS");
    assertThat(from().webhooks()).isEmpty();
  }

  private static ObservabilityConfig from(String... pairs) {
    Map<String, String> values = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    return ObservabilityConfig.from(Settings.of(values));
  }
}
