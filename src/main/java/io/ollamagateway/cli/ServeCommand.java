package io.ollamagateway.cli;

import io.ollamagateway.config.ConfigException;
import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.LoggingConfig;
import io.ollamagateway.config.ObservabilityConfig;
import io.ollamagateway.config.Settings;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.server.JvmFootprint;
import io.ollamagateway.server.LogOutput;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code serve}: runs the gateway until SIGTERM or SIGINT, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the gateway (the default command). Options override environment variables, the .env "
        + "file and config/config.yaml.")
final class ServeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (default: config/config.yaml)")
  Path config;

  @Option(names = "--host", description = "Address to listen on (HOST, default 0.0.0.0)")
  String host;

  @Option(names = "--port", description = "Port to listen on (PORT, default 8000)")
  String port;

  @Option(names = "--ollama-url", paramLabel = "URL", description = "Upstream Ollama (OLLAMA_URL)")
  String ollamaUrl;

  @Option(names = {"-s", "--set"}, paramLabel = "NAME=VALUE", description = "Any setting, e.g. -s MAX_BODY_SIZE=64mb")
  Map<String, String> settings = new HashMap<>();

  private final Map<String, String> environment;
  private final Path workDir;

  ServeCommand(Map<String, String> environment, Path workDir) {
    this.environment = environment;
    this.workDir = workDir;
  }

  @Override
  public Integer call() throws InterruptedException {
    GatewayConfig gatewayConfig;
    LoggingConfig logOutput;
    ObservabilityConfig observability;
    ConfigLoader loader;
    try {
      Settings settings = Settings.load(commandLine(), environment, workDir, config);
      observability = ObservabilityConfig.from(settings);
      loader = new ConfigLoader(settings);
      gatewayConfig = loader.load();
      logOutput = loader.logging();
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("ollama-gateway: configuration error: " + e.getMessage());
      return 2;
    }
    LogOutput.apply(logOutput);
    loader.notes().forEach(LOG::info);
    // settings a user may have meant (another proxy's name, a misspelling) are said once, before serving
    loader.warnings().forEach(LOG::warn);
    Gateway gateway;
    try {
      // a reload reads every source again, exactly as start-up did
      gateway = Gateway.start(gatewayConfig,
          () -> new ConfigLoader(Settings.load(commandLine(), environment, workDir, config)).load(), observability)
          .await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      // a setting that only the starting listener could check (an unusable TLS key) is a configuration error too
      spec.commandLine().getErr().println("ollama-gateway: " + (e instanceof ConfigException
          ? "configuration error: " : "cannot start: ") + e.getMessage());
      return 2;
    }
    warnIfNobodyCanCall(gatewayConfig, gateway.identity().authenticator().usableKeys());
    ReloadSignal.install(gateway);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down: finishing running requests for up to {} s (SHUTDOWN_GRACE)",
          gatewayConfig.shutdownGrace().toSeconds());
      int status = 0;
      try {
        gateway.stop(gatewayConfig.shutdownGrace()).await(gatewayConfig.shutdownGrace().toMillis() + 5000,
            TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("shutdown did not complete cleanly: {}", e.toString());
        status = 1;
      }
      LOG.info("stopped");
      stopped.countDown();
      // A JVM that exits on a signal reports 128+signal (143 for SIGTERM) whatever main returns, and service
      // managers read that as a crash; after an orderly stop the status must say so. halt() skips the other
      // shutdown hooks, so the logging queue is flushed first.
      if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging) {
        logging.stop();
      }
      Runtime.getRuntime().halt(status);
    }, "shutdown"));
    // after the hook: a SIGTERM that arrives during the collection still stops the gateway in order
    JvmFootprint.trimAfterStart();
    stopped.await();
    return 0;
  }

  private Map<String, String> commandLine() {
    Map<String, String> values = new HashMap<>(settings);
    if (host != null) {
      values.put("HOST", host);
    }
    if (port != null) {
      values.put("PORT", port);
    }
    if (ollamaUrl != null) {
      values.put("OLLAMA_URL", ollamaUrl);
    }
    return values;
  }

  private static void warnIfNobodyCanCall(GatewayConfig config, int usableKeys) {
    if (config.proxyAuthToken().isEmpty() && !config.allowUnauthenticated() && usableKeys == 0) {
      LOG.warn("Nobody can authenticate yet, so every proxied request will be refused with 401: the store has "
          + "no usable API key, PROXY_AUTH_TOKEN is not set and ALLOW_UNAUTHENTICATED_ACCESS is false. Create "
          + "the first admin key with 'java -jar ollama-gateway.jar keys create --admin --name bootstrap', or set "
          + "PROXY_AUTH_TOKEN=<secret>, or ALLOW_UNAUTHENTICATED_ACCESS=true on a trusted network.");
    } else if (config.allowUnauthenticated() && !config.host().startsWith("127.") && !config.host().equals("localhost")) {
      LOG.warn("ALLOW_UNAUTHENTICATED_ACCESS=true while listening on {}: anyone who can reach this port can use "
          + "your models.", config.host());
    }
  }

}
