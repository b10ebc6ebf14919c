package io.ollamagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS_CERT_FILE / TLS_KEY_FILE and LOG_FORMAT / LOG_LEVEL / LOG_LEVELS as the loader reads them, from any source. */
class DeploymentSettingsTest {

  @TempDir
  Path dir;

  private static ConfigLoader loader(Map<String, String> values) {
    return new ConfigLoader(Settings.of(values));
  }

  @Test
  void withoutSettingsThereIsNoTlsAndLogsStayAsLogbackHasThem() {
    assertThat(loader(Map.of()).load().tls()).isEmpty();
    assertThat(loader(Map.of()).logging()).isEqualTo(LoggingConfig.defaults());
  }

  @Test
  void tlsTakesTwoPemFiles() throws IOException {
    Path cert = Files.writeString(dir.resolve("c.pem"), "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
    Path key = Files.writeString(dir.resolve("k.pem"), "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n");
    TlsConfig tls = loader(Map.of("TLS_CERT_FILE", cert.toString(), "TLS_KEY_FILE", key.toString())).load().tls()
        .orElseThrow();
    assertThat(tls.certFile()).isEqualTo(cert.toAbsolutePath());
    assertThat(tls.keyFile()).isEqualTo(key.toAbsolutePath());

    assertThatThrownBy(() -> loader(Map.of("TLS_KEY_FILE", key.toString())).load())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_KEY_FILE (from command line) is set but "
            + "TLS_CERT_FILE is not");
    // a key where the certificate belongs, and the other way round
    assertThatThrownBy(() -> loader(Map.of("TLS_CERT_FILE", key.toString(), "TLS_KEY_FILE", key.toString())).load())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_CERT_FILE (from command line)");
    assertThatThrownBy(() -> loader(Map.of("TLS_CERT_FILE", cert.toString(), "TLS_KEY_FILE", cert.toString())).load())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_KEY_FILE (from command line)");
  }

  @Test
  void theErrorNeverShowsTheFilesContent() throws IOException {
    Path key = Files.writeString(dir.resolve("k.pem"), "secret-material-without-markers");
    Path cert = Files.writeString(dir.resolve("c.pem"), "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> loader(Map.of("TLS_CERT_FILE", cert.toString(), "TLS_KEY_FILE", key.toString())).load())
        .isInstanceOf(ConfigException.class).hasMessageNotContaining("secret-material");
  }

  @Test
  void logSettingsComeFromTheConfigFileToo() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), """
        log_format: JSON
        log_level: debug
        log_levels: [access=warn, io.ollamagateway.upstream=TRACE]
        """);
    LoggingConfig logging = new ConfigLoader(Settings.load(Map.of(), Map.of(), dir, null)).logging();
    assertThat(logging.format()).isEqualTo(LoggingConfig.Format.JSON);
    assertThat(logging.rootLevel()).contains("DEBUG");
    assertThat(logging.levels()).containsExactlyInAnyOrderEntriesOf(Map.of("access", "WARN",
        "io.ollamagateway.upstream", "TRACE"));
  }

  @Test
  void invalidLogSettingsNameTheSettingAndItsSource() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), "log_format: xml\n");
    assertThatThrownBy(() -> new ConfigLoader(Settings.load(Map.of(), Map.of(), dir, null)).logging())
        .isInstanceOf(ConfigException.class)
        .hasMessage("LOG_FORMAT (from config file): 'xml' is not one of text, json");
    assertThatThrownBy(() -> loader(Map.of("LOG_LEVELS", "=DEBUG")).logging())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("LOG_LEVELS (from command line): '=DEBUG'");
  }
}
