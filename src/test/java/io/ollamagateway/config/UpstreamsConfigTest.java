package io.ollamagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.config.UpstreamPolicy.KeyStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpstreamsConfigTest {

  @TempDir
  Path dir;

  private GatewayConfig load(String yaml, Map<String, String> env) throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), yaml);
    return new ConfigLoader(Settings.load(Map.of(), env, dir, null)).load();
  }

  @Test
  void readsAListOfUpstreamsWithKeysWeightsCapsAndModelPatterns() throws IOException {
    GatewayConfig config = load("""
        key_strategy: round-robin
        key_cooldown: 30s
        upstream_queue_size: 7
        upstreams:
          - name: local
            url: http://127.0.0.1:11434
            weight: 3
            max_concurrent: 2
            models: ["llama3*", "qwen2.5:*"]
          - name: cloud
            url: https://ollama.com/api
            keys: [key-one, key-two]
            queue_size: 50
        """, Map.of());
    assertThat(config.upstreams()).hasSize(2);
    UpstreamConfig local = config.upstreams().get(0);
    assertThat(local.name()).isEqualTo("local");
    assertThat(local.weight()).isEqualTo(3);
    assertThat(local.maxConcurrent()).isEqualTo(2);
    assertThat(local.queueSize()).isEqualTo(7);
    assertThat(local.patternMatches("llama3.2:latest")).isTrue();
    assertThat(local.patternMatches("qwen2.5:0.5b")).isTrue();
    assertThat(local.patternMatches("mistral:latest")).isFalse();
    UpstreamConfig cloud = config.upstreams().get(1);
    assertThat(cloud.displayUrl()).isEqualTo("https://ollama.com");
    assertThat(cloud.keys()).containsExactly("key-one", "key-two");
    assertThat(cloud.queueSize()).isEqualTo(50);
    assertThat(cloud.toString()).doesNotContain("key-one");
    assertThat(config.upstreamPolicy().keyStrategy()).isEqualTo(KeyStrategy.ROUND_ROBIN);
    assertThat(config.upstreamPolicy().keyCooldown()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void theSimpleFormsStillMakeOneUpstream() throws IOException {
    GatewayConfig config = load("""
        keys: [yaml-key]
        """, Map.of("OLLAMA_URL", "http://10.0.0.5:11434", "OLLAMA_API_KEYS", "env-a,env-b"));
    assertThat(config.upstreams()).singleElement().satisfies(u -> {
      assertThat(u.name()).isEqualTo("default");
      assertThat(u.keys()).containsExactly("env-a", "env-b", "yaml-key");
    });
    assertThat(config.upstreamPolicy()).isEqualTo(UpstreamPolicy.defaults());
  }

  @Test
  void errorsNameTheEntryAndField() {
    assertThatThrownBy(() -> load("""
        upstreams:
          - url: http://127.0.0.1:11434
          - name: two
            url: ftp://example.com
        """, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("upstreams[1].url");
    assertThatThrownBy(() -> load("""
        upstreams:
          - name: one
        """, Map.of())).hasMessageContaining("upstreams[0].url: required");
    assertThatThrownBy(() -> load("""
        upstreams:
          - {name: a, url: "http://h:1", weight: 0}
        """, Map.of())).hasMessageContaining("upstreams[0].weight");
    assertThatThrownBy(() -> load("""
        upstreams:
          - {name: a, url: "http://h:1"}
          - {name: a, url: "http://h:2"}
        """, Map.of())).hasMessageContaining("upstreams[1].name").hasMessageContaining("twice");
    assertThatThrownBy(() -> load("""
        upstreams:
          - {name: a, url: "http://h:1", key: [x]}
        """, Map.of())).hasMessageContaining("upstreams[0].key: unknown field");
    assertThatThrownBy(() -> load("""
        upstreams:
          - {name: a, url: "http://h:1", keys: "secret-key"}
        """, Map.of())).hasMessageContaining("upstreams[0].keys: must be a list")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-key"));
    assertThatThrownBy(() -> load("""
        upstreams: []
        """, Map.of())).hasMessageContaining("non-empty list");
  }

  @Test
  void theListCannotBeCombinedWithTheSimpleForms() {
    assertThatThrownBy(() -> load("""
        upstreams:
          - {name: a, url: "http://h:1"}
        """, Map.of("OLLAMA_URL", "http://other:11434")))
        .hasMessageContaining("OLLAMA_URL (from environment)").hasMessageContaining("upstreams:");
    assertThatThrownBy(() -> load("""
        keys: [k]
        upstreams:
          - {name: a, url: "http://h:1"}
        """, Map.of())).hasMessageContaining("keys:");
  }

  @Test
  void policySettingsAreValidated() {
    assertThatThrownBy(() -> load("key_strategy: random\n", Map.of()))
        .hasMessageContaining("KEY_STRATEGY").hasMessageContaining("round-robin");
    assertThatThrownBy(() -> load("key_cooldown: 2h\nkey_cooldown_max: 1h\n", Map.of()))
        .hasMessageContaining("KEY_COOLDOWN_MAX");
    assertThatThrownBy(() -> load("health_check_interval: 0\n", Map.of()))
        .hasMessageContaining("HEALTH_CHECK_INTERVAL");
  }
}
