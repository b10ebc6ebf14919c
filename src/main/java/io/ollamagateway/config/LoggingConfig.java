package io.ollamagateway.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How the {@code serve} command logs. Immutable; built by {@link ConfigLoader}.
 *
 * @param format {@code LOG_FORMAT}: human-readable lines or JSON lines
 * @param rootLevel {@code LOG_LEVEL}: the level of every logger not named in {@code levels}, upper case; empty
 *     leaves the one logging starts with (LogbackDefaults reads {@code LOG_LEVEL} from {@code -D} or the environment)
 * @param levels {@code LOG_LEVELS}: levels of single loggers ({@code access}, {@code io.ollamagateway.upstream})
 */
public record LoggingConfig(Format format, Optional<String> rootLevel, Map<String, String> levels) {

  /** The level names accepted, as the messages list them. */
  public static final String LEVELS = "TRACE, DEBUG, INFO, WARN, ERROR, OFF";

  /** The two output formats. */
  public enum Format {
    TEXT, JSON;

    static Format parse(String text) {
      return Format.valueOf(text.toUpperCase(Locale.ROOT));
    }
  }

  public LoggingConfig {
    levels = Map.copyOf(levels);
  }

  /** Text lines at logback's levels, as without any setting. */
  public static LoggingConfig defaults() {
    return new LoggingConfig(Format.TEXT, Optional.empty(), Map.of());
  }

  /** The upper-case level name, or {@code null} when {@code text} names none. */
  static String level(String text) {
    String upper = text.toUpperCase(Locale.ROOT);
    return List.of(LEVELS.split(", ")).contains(upper) ? upper : null;
  }
}
