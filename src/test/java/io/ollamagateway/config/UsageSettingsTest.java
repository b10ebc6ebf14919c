package io.ollamagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code USAGE_FLUSH_INTERVAL}: one second by default, any duration above zero, and a clear error otherwise. */
class UsageSettingsTest {

  private static GatewayConfig load(Map<String, String> values) {
    return new ConfigLoader(Settings.of(values)).load();
  }

  @Test
  void theFlushIntervalDefaultsToOneSecondAndTakesDurations() {
    assertThat(load(Map.of()).usageFlushInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(load(Map.of("USAGE_FLUSH_INTERVAL", "250ms")).usageFlushInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(load(Map.of("USAGE_FLUSH_INTERVAL", "1m")).usageFlushInterval()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aZeroOrMalformedFlushIntervalNamesTheSetting() {
    assertThatThrownBy(() -> load(Map.of("USAGE_FLUSH_INTERVAL", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("USAGE_FLUSH_INTERVAL");
    assertThatThrownBy(() -> load(Map.of("USAGE_FLUSH_INTERVAL", "often")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("USAGE_FLUSH_INTERVAL");
  }
}
