package io.ollamagateway.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The gateway's logging set-up, built in code rather than read from a {@code logback.xml}: parsing one loaded
 * about 350 classes (logback's XML configurator, its model, the JDK's XML parser) into every gateway and every
 * CLI command, for five lines of settings (issue 27). What it sets up is what {@link LogOutput} adjusts: the
 * console appender {@code STDOUT} ({@link BufferedConsoleAppender}) behind the asynchronous {@code ASYNC}
 * ({@link BatchingAsyncAppender}, 16384 events, written every 20 ms); {@code io.netty}, {@code io.vertx},
 * {@code com.zaxxer.hikari} and {@code org.flywaydb} at WARN (pool and migration chatter would mix with the CLI's
 * output, e.g. {@code keys create --json}); the root logger at {@code LOG_LEVEL} (a system property or the
 * environment; INFO by default).
 *
 * <p>A configuration of the user's own wins: with {@code -Dlogback.configurationFile}, or a
 * {@code logback-test.xml} or {@code logback.xml} on the class path, logback reads that as usual. Found by
 * logback through {@code META-INF/services}; runs once, on the thread that first asks for a logger.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogbackDefaults extends ContextAwareBase implements Configurator {

  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{20} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogbackDefaults.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
        || loader.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    BufferedConsoleAppender console = new BufferedConsoleAppender();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder);
    console.start();
    BatchingAsyncAppender async = new BatchingAsyncAppender();
    async.setContext(context);
    async.setName("ASYNC");
    async.setQueueSize(16_384);
    async.setMaxDelayMillis(20);
    async.addAppender(console);
    async.start();
    for (String quiet : new String[] {"io.netty", "io.vertx", "com.zaxxer.hikari", "org.flywaydb"}) {
      context.getLogger(quiet).setLevel(Level.WARN);
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    String level = System.getProperty("LOG_LEVEL", System.getenv("LOG_LEVEL"));
    root.setLevel(Level.toLevel(level, Level.INFO));
    root.addAppender(async);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
