package io.ollamagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.store.Database;
import io.ollamagateway.store.StoreException;
import io.ollamagateway.testing.GatewayProcess;
import io.ollamagateway.testing.IdentityFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings of the proxies this gateway replaces, written as their READMEs show them (.env lines,
 * config/config.yaml with keys:, a sqlite:/// URL), give the upstream and store their users meant, and a
 * setting the gateway does not read is named at start-up instead of ignored in silence.
 */
class MigrationSettingsTest {

  @TempDir
  Path dir;

  private ConfigLoader loader(String dotenv, Map<String, String> environment) throws IOException {
    Files.writeString(dir.resolve(".env"), dotenv);
    return new ConfigLoader(Settings.load(Map.of(), environment, dir, null));
  }

  private static UpstreamConfig only(GatewayConfig config) {
    assertThat(config.upstreams()).hasSize(1);
    return config.upstreams().get(0);
  }

  @Test
  void theSingleKeyCloudProxysEnvGoesToOllamaCloud() throws IOException {
    // seed: Ollama Cloud Proxy (one key)
    ConfigLoader loader = loader("""
        OLLAMA_API_KEY=dein_ollama_cloud_api_key
        PROXY_AUTH_TOKEN=ein_geheimes_passwort_fuer_lokal
        """, Map.of());
    GatewayConfig config = loader.load();
    UpstreamConfig upstream = only(config);
    assertThat(upstream.displayUrl()).isEqualTo("https://ollama.com");
    assertThat(upstream.keys()).containsExactly("dein_ollama_cloud_api_key");
    assertThat(config.proxyAuthToken()).contains("ein_geheimes_passwort_fuer_lokal");
    assertThat(loader.notes()).singleElement().asString().contains("Ollama Cloud (https://ollama.com)")
        .doesNotContain("dein_ollama_cloud_api_key");
    loader.logging();
    assertThat(loader.warnings()).isEmpty();
  }

  @Test
  void theMultiKeyProxysConfigYamlAndEnvGoToOllamaCloud() throws IOException {
    // seed: Ollama Cloud Proxy with rotation, option A (config/config.yaml) and its .env
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), """
        keys:
          - "key_1"
          - "key_2"
          - "key_3"
        """);
    ConfigLoader loader = loader("""
        PROXY_AUTH_TOKEN=ein_geheimes_passwort_fuer_lokal
        ALLOW_UNAUTHENTICATED_ACCESS=false
        """, Map.of());
    GatewayConfig config = loader.load();
    assertThat(only(config).displayUrl()).isEqualTo("https://ollama.com");
    assertThat(only(config).keys()).containsExactly("key_1", "key_2", "key_3");
    assertThat(config.allowUnauthenticated()).isFalse();
    loader.logging();
    assertThat(loader.warnings()).isEmpty();

    // option B: the environment variable
    Files.delete(dir.resolve("config/config.yaml"));
    GatewayConfig fromEnv = loader("OLLAMA_API_KEYS=key1,key2,key3\n", Map.of()).load();
    assertThat(only(fromEnv).displayUrl()).isEqualTo("https://ollama.com");
    assertThat(only(fromEnv).keys()).containsExactly("key1", "key2", "key3");
  }

  @Test
  void withoutCloudKeysTheUpstreamStaysLocalAndAGivenUrlAlwaysWins() throws IOException {
    assertThat(only(loader("", Map.of()).load()).displayUrl()).isEqualTo("http://127.0.0.1:11434");
    assertThat(only(loader("", Map.of("LOCAL_OLLAMA_URL", "http://host.docker.internal:11434")).load())
        .displayUrl()).isEqualTo("http://host.docker.internal:11434");
    ConfigLoader keysAndUrl = loader("OLLAMA_API_KEY=k\nOLLAMA_URL=http://10.0.0.5:11434\n", Map.of());
    assertThat(only(keysAndUrl.load()).displayUrl()).isEqualTo("http://10.0.0.5:11434");
    assertThat(keysAndUrl.notes()).isEmpty();
    // the Cloud's documented base, as the cloud proxies wrote it, is the same upstream
    assertThat(only(loader("OLLAMA_URL=https://ollama.com/api\nOLLAMA_API_KEY=k\n", Map.of()).load())
        .displayUrl()).isEqualTo("https://ollama.com");
  }

  @Test
  void theApiServicesOllamaBaseUrlIsTheUpstreamAndItsSecretKeyIsNamed() throws IOException {
    // seed: Ollama API Service
    ConfigLoader loader = loader("""
        # Change this to a secure random string in production
        SECRET_KEY=your-super-secret-key-change-this-in-production

        # Set your Linux VM IP address where Ollama is running
        OLLAMA_BASE_URL=http://192.168.1.20:11434

        # Server configuration
        HOST=0.0.0.0
        PORT=8000
        """, Map.of());
    GatewayConfig config = loader.load();
    assertThat(only(config).displayUrl()).isEqualTo("http://192.168.1.20:11434");
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(8000);
    loader.logging();
    assertThat(loader.warnings()).singleElement().asString()
        .startsWith("SECRET_KEY (from .env file) is not read by the gateway")
        .doesNotContain("your-super-secret-key");

    assertThatThrownBy(() -> loader("OLLAMA_BASE_URL=http://a:11434\nOLLAMA_URL=http://b:11434\n", Map.of()).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("OLLAMA_URL (from .env file) and OLLAMA_BASE_URL "
            + "(from .env file) name different upstreams");
  }

  @Test
  void machineWideTlsVariablesAreNotTakenForMisspellingsButMisspellingsStillAre() throws IOException {
    ConfigLoader loader = loader("", Map.of("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt",
        "PROXY_AUTH_TOKN", "s3cret-s3cret-s3cret"));
    loader.load();
    loader.logging();
    assertThat(loader.warnings()).singleElement().asString()
        .startsWith("PROXY_AUTH_TOKN (from environment)").contains("did you mean PROXY_AUTH_TOKEN?")
        .doesNotContain("s3cret");
  }

  @Test
  void theQuotaProxysEnvIsRead() throws IOException {
    // seed: Ollama Proxy with API keys and quotas (backend/.env)
    ConfigLoader loader = loader("""
        DATABASE_URL=postgresql://user:pass@host:5432/db
        OLLAMA_URL=http://ollama:11434
        ALLOWED_ORIGINS=https://admin.example.com
        """, Map.of());
    GatewayConfig config = loader.load();
    assertThat(only(config).displayUrl()).isEqualTo("http://ollama:11434");
    assertThat(config.allowedOrigins()).containsExactly("https://admin.example.com");
    assertThat(config.identity().databaseUrl()).contains("postgresql://user:pass@host:5432/db");
    loader.logging();
    assertThat(loader.warnings()).isEmpty();
  }

  @Test
  void misspelledAndUnknownSettingsAreWarnedAbout() throws IOException {
    ConfigLoader loader = loader("""
        OLLAMA_API_KEYZ=k1,k2
        RATE_LIMIT=100
        GATEWAY_PORT=8000
        POSTGRES_PASSWORD=secret
        LEFT_EMPTY=
        """, Map.of("ALLOW_UNAUTHENTICATED_ACESS", "true", "PATH", "/usr/bin", "HOSTNAME", "box",
        "OLLAMA_HOST", "0.0.0.0:11434"));
    loader.load();
    loader.logging();
    List<String> warnings = loader.warnings();
    assertThat(warnings).containsExactly(
        "ALLOW_UNAUTHENTICATED_ACESS (from environment) is not a gateway setting and is ignored; did you mean "
            + "ALLOW_UNAUTHENTICATED_ACCESS?",
        "OLLAMA_API_KEYZ (from .env file) is not a gateway setting and is ignored; did you mean OLLAMA_API_KEY?",
        "OLLAMA_HOST (from environment) is not read by the gateway: that is Ollama's own listen address; the "
            + "gateway's upstream is OLLAMA_URL",
        "RATE_LIMIT (from .env file) is not a gateway setting and is ignored (see docs/configuration.md and "
            + "docs/migration.md)");
    assertThat(String.join("\n", warnings)).doesNotContain("k1").doesNotContain("secret");
  }

  @Test
  void everySettingOfEnvExampleIsReadByTheGatewayAndHandedOverByCompose() throws IOException {
    // the checkout's files: a name the gateway does not read would be warned about at every start
    Settings settings = Settings.of(Map.of());
    ConfigLoader loader = new ConfigLoader(settings);
    loader.load();
    loader.logging();
    List<String> known = settings.askedNames();
    String compose = Files.readString(Path.of("docker-compose.yml"));
    List<String> names = Files.readAllLines(Path.of(".env.example")).stream()
        .map(line -> line.matches("# [A-Z][A-Z0-9_]+=.*") ? line.substring(2, line.indexOf('=')) : null)
        .filter(name -> name != null).toList();
    assertThat(names).contains("OLLAMA_URL", "LOCAL_OLLAMA_URL", "PROXY_AUTH_TOKEN", "DATABASE_URL");
    List<String> composeOnly = List.of("GATEWAY_PORT", "GATEWAY_ADMIN_PORT", "MULTI_PORT", "POSTGRES_PASSWORD",
        "JAVA_OPTS");
    for (String name : names) {
      if (!composeOnly.contains(name)) {
        assertThat(known).as("read by the gateway").contains(name);
        assertThat(compose).as("passed by docker-compose.yml").contains(" " + name + ":");
      }
    }
    assertThat(compose).contains("./config:/var/lib/ollama-gateway/config:ro");
    assertThat(Files.readAllLines(Path.of(".gitignore"))).contains("config/config.yaml");
    assertThat(Files.exists(Path.of("config/config.example.yaml"))).isTrue();
  }

  @Test
  void sqliteUrlsAreReadAsSqlAlchemyReadsThem() {
    Path relative = dir.resolve("work");
    try (Database db = Database.open(Optional.of("sqlite:///gateway.db"), relative)) {
      assertThat(db.description()).isEqualTo("SQLite " + relative.resolve("gateway.db"));
    }
    Path absolute = dir.resolve("elsewhere/abs.db");
    try (Database db = Database.open(Optional.of("sqlite:///" + absolute), relative)) {
      assertThat(db.description()).isEqualTo("SQLite " + absolute);
    }
    assertThat(Files.exists(absolute)).isTrue();
    try (Database db = Database.open(Optional.of("sqlite:data/other.db"), relative)) {
      assertThat(db.description()).isEqualTo("SQLite " + relative.resolve("data/other.db"));
    }
    assertThatThrownBy(() -> Database.open(Optional.of("sqlite://host/x.db"), relative))
        .isInstanceOf(StoreException.class).hasMessageContaining("sqlite:///relative.db");
  }

  @Test
  void theStartUpLinesSayTheUpstreamIsOllamaCloud() throws Exception {
    // the single-key proxy's .env, as is: the process must not need anything else to pick the Cloud
    Files.writeString(dir.resolve(".env"), """
        OLLAMA_API_KEY=dein_ollama_cloud_api_key
        PROXY_AUTH_TOKEN=ein_geheimes_passwort_fuer_lokal
        PROXY_AUTH_TOKN=typo
        """);
    int port = IdentityFixture.freePort();
    Map<String, String> environment = Map.of("PORT", String.valueOf(port), "HOST", "127.0.0.1", "EVENT_LOOPS", "1",
        "DATABASE_URL", "sqlite:///data/gateway.db", "HEALTH_CHECK_INTERVAL", "1h");
    try (GatewayProcess gateway = GatewayProcess.java(environment, dir, "serve")) {
      String listening = gateway.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
      assertThat(listening).contains("-> [default=https://ollama.com]");
      assertThat(gateway.lines())
          .anyMatch(l -> l.contains("upstream: Ollama Cloud (https://ollama.com) with 1 key"))
          .anyMatch(l -> l.contains("WARN") && l.contains("PROXY_AUTH_TOKN (from .env file) is not a gateway "
              + "setting and is ignored; did you mean PROXY_AUTH_TOKEN?"))
          .anyMatch(l -> l.contains("identity store: SQLite " + dir.resolve("data/gateway.db")))
          .noneMatch(l -> l.contains("dein_ollama_cloud_api_key") || l.contains("ein_geheimes"));
      assertThat(gateway.stop(Duration.ofSeconds(30))).isEqualTo(0);
    }
  }
}
