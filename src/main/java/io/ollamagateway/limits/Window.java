package io.ollamagateway.limits;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The period a {@link Budget} counts over. Windows are fixed and aligned (a day starts at midnight in the
 * configured time zone, a month on its first day), so a limit holds exactly and its reset time is known.
 */
public enum Window {
  MINUTE, HOUR, DAY, MONTH;

  private final String id = name().toLowerCase(Locale.ROOT);

  /** One concrete window: a label unique to it, where it starts, and where the next one starts. */
  public record Span(String label, Instant start, Instant end) {

    /** Whether {@code instant} falls in this window. */
    public boolean contains(Instant instant) {
      return !instant.isBefore(start) && instant.isBefore(end);
    }
  }

  /** The window's name in lower case, as counters' keys and messages spell it ({@code minute}). */
  public String id() {
    return id;
  }

  /** The window of this kind that contains {@code now}. */
  public Span span(Instant now, ZoneId zone) {
    return switch (this) {
      case MINUTE -> fixed(now, ChronoUnit.MINUTES);
      case HOUR -> fixed(now, ChronoUnit.HOURS);
      case DAY -> {
        LocalDate day = now.atZone(zone).toLocalDate();
        yield new Span(day.toString(), day.atStartOfDay(zone).toInstant(), day.plusDays(1).atStartOfDay(zone).toInstant());
      }
      case MONTH -> {
        ZonedDateTime first = now.atZone(zone).toLocalDate().withDayOfMonth(1).atStartOfDay(zone);
        yield new Span(first.toLocalDate().toString().substring(0, 7), first.toInstant(),
            first.plusMonths(1).toInstant());
      }
    };
  }

  private static Span fixed(Instant now, ChronoUnit unit) {
    Instant start = now.truncatedTo(unit);
    return new Span(String.valueOf(start.getEpochSecond()), start, start.plus(1, unit));
  }
}
