package io.ollamagateway.cli;

import io.ollamagateway.admin.InvalidInput;
import io.ollamagateway.store.KeyLimits;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options {@code keys create} and {@code keys import} share (a picocli mixin): the keys' owner, expiry,
 * allowed models and limits. Filled in by picocli on the command's thread, read once by the command.
 */
final class KeyOptions {

  @Option(names = "--user", paramLabel = "USER", description = "Owner: user id or name")
  String user;

  @Option(names = "--admin", description = "Owner is an admin user (by default 'admin', created if missing)")
  boolean admin;

  @Option(names = "--expires", paramLabel = "WHEN", description = "Expiry: 2027-01-31 or 2027-01-31T12:00:00Z")
  String expires;

  @Option(names = "--models", paramLabel = "GLOB", split = ",", description = "Allowed models, e.g. llama3*")
  List<String> models;

  @Option(names = "--requests-per-minute", paramLabel = "N", description = "Requests a key may start per minute")
  Long requestsPerMinute;

  @Option(names = "--requests-per-hour", paramLabel = "N",
      description = "Requests per hour (default: the role's, REQUESTS_PER_HOUR_USER / _ADMIN)")
  Long requestsPerHour;

  @Option(names = "--tokens-per-minute", paramLabel = "N", description = "Tokens a key may use per minute")
  Long tokensPerMinute;

  @Option(names = "--max-concurrent", paramLabel = "N", description = "Requests a key may have under way")
  Long maxConcurrent;

  KeyLimits limits() {
    return new KeyLimits(requestsPerMinute, requestsPerHour, tokensPerMinute, maxConcurrent);
  }

  /** The {@code --expires} instant, or null for a key that never expires. */
  Instant expiry() {
    if (expires == null) {
      return null;
    }
    try {
      return expires.contains("T") ? Instant.parse(expires)
          : LocalDate.parse(expires).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidInput("--expires", "expected a date (2027-01-31) or a UTC time (2027-01-31T12:00:00Z)");
    }
  }
}
