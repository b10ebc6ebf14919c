package io.ollamagateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.cli.GatewayCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad settings stop start-up with status 2 and a message naming the setting; layers override in order. */
class ConfigLayersAndErrorsTest {

  @TempDir
  Path dir;

  private record Run(int status, String err) {
  }

  /** Runs the command line in-process and captures what it writes to stderr. */
  private Run run(Map<String, String> env, String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int status = GatewayCommand.run(args, env, dir);
      return new Run(status, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void aBadUpstreamUrlIsRefused() {
    Run run = run(Map.of(), "--ollama-url", "ftp://example.com", "--port", "0");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("configuration error").contains("OLLAMA_URL (from command line)");

    Run fromEnv = run(Map.of("OLLAMA_URL", "not a url"), "--port", "0");
    assertThat(fromEnv.status()).isEqualTo(2);
    assertThat(fromEnv.err()).contains("OLLAMA_URL (from environment)");
  }

  @Test
  void aPortOutOfRangeIsRefused() {
    Run run = run(Map.of(), "--port", "70000");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("PORT (from command line)").contains("70000");
  }

  @Test
  void anUnknownBooleanIsRefused() {
    Run run = run(Map.of("ALLOW_UNAUTHENTICATED_ACCESS", "sure"), "--port", "0");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("ALLOW_UNAUTHENTICATED_ACCESS (from environment)").contains("boolean");

    Run set = run(Map.of(), "--port", "0", "-s", "ACCESS_LOG=maybe");
    assertThat(set.status()).isEqualTo(2);
    assertThat(set.err()).contains("ACCESS_LOG (from command line)");
  }

  @Test
  void aMissingConfigFileIsRefused() {
    Run run = run(Map.of(), "--config", dir.resolve("nope.yaml").toString(), "--port", "0");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("--config").contains("nope.yaml");
  }

  @Test
  void aMalformedConfigFileIsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("bad.yaml"), "port: [8000\nollama_url: : :\n");
    Run run = run(Map.of(), "--config", file.toString());
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("config file").contains("bad.yaml");

    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), "- just\n- a list\n");
    Run defaultFile = run(Map.of(), "--port", "0");
    assertThat(defaultFile.status()).isEqualTo(2);
    assertThat(defaultFile.err()).contains("config.yaml");
  }

  @Test
  void aBadValueInTheConfigFileNamesItsSource() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), "max_body_size: huge\n");
    Run run = run(Map.of(), "--port", "0");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("MAX_BODY_SIZE (from config file)");
  }

  @Test
  void layersOverrideEachOtherYamlThenDotenvThenEnvironmentThenCommandLine() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), String.join("\n",
        "max_body_size: 1kb", "upstream_idle_timeout: 1s", "client_idle_timeout: 1s", "port: 1001",
        "allowed_origins:", "  - http://a.example", "  - http://b.example", ""));
    Files.writeString(dir.resolve(".env"), String.join("\n",
        "UPSTREAM_IDLE_TIMEOUT=2s", "CLIENT_IDLE_TIMEOUT=2s", "PORT=1002", ""));
    Map<String, String> env = Map.of("CLIENT_IDLE_TIMEOUT", "3s", "PORT", "1003");
    Map<String, String> cli = Map.of("PORT", "1004");

    Settings settings = Settings.load(cli, env, dir, null);
    assertThat(settings.get("MAX_BODY_SIZE").orElseThrow().source()).isEqualTo(Settings.Source.YAML);
    assertThat(settings.get("UPSTREAM_IDLE_TIMEOUT").orElseThrow().source()).isEqualTo(Settings.Source.DOTENV);
    assertThat(settings.get("CLIENT_IDLE_TIMEOUT").orElseThrow().source()).isEqualTo(Settings.Source.ENVIRONMENT);
    assertThat(settings.get("PORT").orElseThrow().source()).isEqualTo(Settings.Source.COMMAND_LINE);

    GatewayConfig config = new ConfigLoader(settings).load();
    assertThat(config.maxBodyBytes()).isEqualTo(1024);
    assertThat(config.upstreamIdleTimeout()).hasSeconds(2);
    assertThat(config.clientIdleTimeout()).hasSeconds(3);
    assertThat(config.port()).isEqualTo(1004);
    assertThat(config.allowedOrigins()).containsExactly("http://a.example", "http://b.example");

    GatewayConfig withoutCli = new ConfigLoader(Settings.load(Map.of(), env, dir, null)).load();
    assertThat(withoutCli.port()).isEqualTo(1003);
    GatewayConfig withoutEnv = new ConfigLoader(Settings.load(Map.of(), Map.of(), dir, null)).load();
    assertThat(withoutEnv.port()).isEqualTo(1002);
    assertThat(withoutEnv.clientIdleTimeout()).hasSeconds(2);
    Files.delete(dir.resolve(".env"));
    GatewayConfig yamlOnly = new ConfigLoader(Settings.load(Map.of(), Map.of(), dir, null)).load();
    assertThat(yamlOnly.port()).isEqualTo(1001);
    assertThat(yamlOnly.upstreamIdleTimeout()).hasSeconds(1);
  }

  @Test
  void anExplicitConfigFileReplacesTheDefaultOne() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), "port: 1001\n");
    Path other = Files.writeString(dir.resolve("other.yaml"), "PORT: 2002\n");
    assertThat(new ConfigLoader(Settings.load(Map.of(), Map.of(), dir, other)).load().port()).isEqualTo(2002);
  }
}
