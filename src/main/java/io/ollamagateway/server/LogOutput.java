package io.ollamagateway.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import io.ollamagateway.config.LoggingConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link LoggingConfig} to the logback set-up of {@link LogbackDefaults}: the levels, and for
 * {@code LOG_FORMAT=json} a JSON encoder on its console appender, so that every line (the access log included)
 * becomes one JSON object. Call it once at start-up, before the gateway logs; logback's context is the
 * process's, so this changes logging for the whole JVM.
 *
 * <p>A logback configuration of the user's own ({@code -Dlogback.configurationFile}) without the appenders of
 * ours is left as it is, levels aside, with a warning.
 */
public final class LogOutput {

  private static final Logger LOG = LoggerFactory.getLogger(LogOutput.class);

  private LogOutput() {
  }

  @SuppressWarnings("unchecked") // logback's AsyncAppender attaches appenders of its own event type
  public static void apply(LoggingConfig config) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: it has its own configuration
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    config.rootLevel().ifPresent(level -> root.setLevel(Level.toLevel(level)));
    config.levels().forEach((name, level) -> context.getLogger(name).setLevel(Level.toLevel(level)));
    if (config.format() == LoggingConfig.Format.JSON) {
      Appender<ILoggingEvent> async = root.getAppender("ASYNC");
      Appender<ILoggingEvent> console = async instanceof AppenderAttachable<?> attachable
          ? ((AppenderAttachable<ILoggingEvent>) attachable).getAppender("STDOUT") : null;
      if (console instanceof OutputStreamAppender<ILoggingEvent> stream) {
        stream.stop();
        stream.setEncoder(jsonEncoder(context));
        stream.start();
      } else {
        LOG.warn("LOG_FORMAT=json ignored: the logback configuration in use has no STDOUT console appender");
      }
    }
  }

  /**
   * One object per line: {@code timestamp} (epoch milliseconds), {@code level}, {@code threadName},
   * {@code loggerName}, {@code formattedMessage} and, when there is one, {@code throwable}. The raw message
   * pattern and its arguments are left out: the formatted message already holds them.
   */
  private static JsonEncoder jsonEncoder(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithMDC(false);
    encoder.setWithKVPList(false);
    encoder.setWithMarkers(false);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    return encoder;
  }
}
