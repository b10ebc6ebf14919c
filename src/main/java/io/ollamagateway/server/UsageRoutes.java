package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.api.RequestId;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.usage.JdbcRequestLog;
import io.ollamagateway.usage.JdbcUsageStore;
import io.ollamagateway.usage.RequestRecord;
import io.ollamagateway.store.UsageFilter;
import io.ollamagateway.store.UpstreamUsage;
import io.ollamagateway.store.UsageTotal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage reports read from the store's hourly rows:
 * <ul>
 *   <li>{@code GET /stats} (the original proxy's endpoint): hourly rows {@code {date, hour, key, model, upstream,
 *       key_index, requests, prompt_tokens, completion_tokens}}; an admin sees every row, anyone else the rows of
 *       their own keys. {@code key} is the caller's key display prefix (or the caller's public id), never the
 *       secret; {@code upstream} and {@code key_index} say which upstream and which of its keys (by position in
 *       its pool, {@code null} without keys) carried the load, as the multi-key proxy's rows did.</li>
 *   <li>{@code GET /admin/api/usage} (admins only): filters {@code from}, {@code to}, {@code user}, {@code key},
 *       {@code model}, {@code upstream}; periods {@code group_by=hour|day|month} (UTC), optionally split
 *       {@code by=user|key|model}; JSON, or CSV with {@code format=csv}.</li>
 * </ul>
 * Bad parameters answer 400 {@code {"error": "...", "field": "<parameter>"}}. Usage not yet flushed (at most
 * one {@code USAGE_FLUSH_INTERVAL}) is not shown.
 *
 * <p>Handlers run on event loops; the store is read on a worker ({@link Vertx#executeBlocking}).
 */
public final class UsageRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(UsageRoutes.class);
  private static final Set<String> STATS_PARAMS = Set.of("from", "to");
  private static final Set<String> MY_USAGE_PARAMS = Set.of("from", "to", "key", "model", "group_by", "by",
      "format");
  private static final Set<String> USAGE_PARAMS = Set.of("from", "to", "user", "key", "model", "upstream",
      "group_by", "by", "format");
  private static final List<String> COUNTERS = List.of("requests", "prompt_tokens", "completion_tokens",
      "total_tokens", "estimated_tokens", "errors", "duration_ms", "first_byte_ms");

  private final Vertx vertx;
  private final Authenticator authenticator;
  private static final Set<String> REQUEST_PARAMS = Set.of("limit", "before", "key", "user", "request_id");

  private final JdbcUsageStore store;
  private final JdbcRequestLog requestLog;

  /** @param requestLog the request log, or {@code null} when {@code REQUEST_LOG} is off */
  public UsageRoutes(Vertx vertx, Authenticator authenticator, JdbcUsageStore store, JdbcRequestLog requestLog) {
    this.vertx = vertx;
    this.authenticator = authenticator;
    this.store = store;
    this.requestLog = requestLog;
  }

  /** Mounts {@code GET /stats} on the proxy's router. */
  public void mountStats(Router router) {
    router.get("/stats").handler(this::stats);
  }

  /**
   * Mounts {@code GET /admin/api/usage}, {@code GET /admin/api/me/usage} and {@code GET /admin/api/requests};
   * before the identity admin sub-router, which would take the paths.
   */
  public void mountAdmin(Router router) {
    router.get("/admin/api/usage").handler(this::usage);
    router.get("/admin/api/me/usage").handler(this::myUsage);
    router.get("/admin/api/requests").handler(this::requests);
  }

  /** {@code GET /admin/api/requests}: the request log, newest first ({@code limit}, {@code before}, filters). */
  private void requests(RoutingContext ctx) {
    admin(ctx).onSuccess(principal -> {
      if (requestLog == null) {
        Answers.error(ctx.response(), ApiFamily.NATIVE, ApiError.notFound("the request log is off; start "
            + "the gateway with REQUEST_LOG=true to keep one row per request"));
        return;
      }
      int limit;
      Long before;
      String client;
      Long user;
      String requestId;
      try {
        checkParams(ctx, REQUEST_PARAMS);
        limit = (int) Math.min(1000, number(ctx, "limit", 100));
        before = text(ctx, "before") == null ? null : number(ctx, "before", 0);
        String key = text(ctx, "key");
        client = key == null ? null : key.chars().allMatch(Character::isDigit) ? "key:" + key : key;
        user = text(ctx, "user") == null ? null : number(ctx, "user", 0);
        requestId = text(ctx, "request_id");
        if (requestId != null && !RequestId.valid(requestId)) {
          throw new BadParameter("request_id", "must be 1 to " + RequestId.MAX_LENGTH + " letters, digits or . _ : -");
        }
      } catch (BadParameter e) {
        badRequest(ctx, e);
        return;
      }
      vertx.executeBlocking(() -> requestLog.list(limit, before, client, user, requestId), false)
          .onSuccess(records -> {
            JsonArray rows = new JsonArray();
            for (RequestRecord r : records) {
              rows.add(new JsonObject().put("id", r.id()).put("at", r.at().toString()).put("user_id", r.userId())
                  .put("key_id", r.keyId()).put("client", r.client()).put("method", r.method())
                  .put("path", r.path()).put("model", r.model()).put("upstream", r.upstream())
                  .put("upstream_key_index", r.upstreamKeyIndex()).put("status", r.status())
                  .put("duration_ms", r.durationMillis()).put("first_byte_ms", r.firstByteMillis())
                  .put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                  .put("estimated", r.estimated()).put("request_id", r.requestId())
                  .put("target_model", r.targetModel()).put("cached_tokens", r.cachedTokens()));
            }
            json(ctx, rows);
          })
          .onFailure(err -> failed(ctx, err));
    });
  }

  private static long number(RoutingContext ctx, String name, long fallback) {
    String value = text(ctx, name);
    if (value == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new BadParameter(name, "must be a positive whole number");
  }

  private void stats(RoutingContext ctx) {
    principal(ctx).onSuccess(principal -> {
      UsageFilter filter;
      try {
        checkParams(ctx, STATS_PARAMS);
        filter = new UsageFilter(from(ctx), to(ctx), null, null, null, null);
      } catch (BadParameter e) {
        badRequest(ctx, e);
        return;
      }
      if (!principal.isAdmin()) {
        filter = principal.userId() != null ? filter.forUser(principal.userId())
            : new UsageFilter(filter.from(), filter.to(), null, principal.clientId(), null, null);
      }
      UsageFilter query = filter;
      vertx.executeBlocking(() -> statsRows(store.byUpstream(query)), false)
          .onSuccess(rows -> json(ctx, rows))
          .onFailure(err -> failed(ctx, err));
    });
  }

  private static JsonArray statsRows(List<UpstreamUsage> totals) {
    Map<List<Object>, long[]> rows = new LinkedHashMap<>();
    for (UpstreamUsage t : totals) {
      long[] sums = rows.computeIfAbsent(List.of(t.hour(), t.keyLabel(), t.model(), t.upstream(),
          t.upstreamKeyIndex()), k -> new long[3]);
      sums[0] += t.requests();
      sums[1] += t.promptTokens();
      sums[2] += t.completionTokens();
    }
    JsonArray out = new JsonArray();
    rows.forEach((key, sums) -> {
      Instant hour = (Instant) key.get(0);
      int keyIndex = (Integer) key.get(4);
      out.add(new JsonObject()
          .put("date", hour.atOffset(ZoneOffset.UTC).toLocalDate().toString())
          .put("hour", hour.atOffset(ZoneOffset.UTC).getHour())
          .put("key", key.get(1))
          .put("model", key.get(2))
          .put("upstream", key.get(3))
          .put("key_index", keyIndex < 0 ? null : keyIndex)
          .put("requests", sums[0])
          .put("prompt_tokens", sums[1])
          .put("completion_tokens", sums[2]));
    });
    return out;
  }

  private void usage(RoutingContext ctx) {
    admin(ctx).onSuccess(principal -> {
      UsageFilter filter;
      String period;
      String by;
      boolean csv;
      try {
        checkParams(ctx, USAGE_PARAMS);
        filter = new UsageFilter(from(ctx), to(ctx), text(ctx, "user"), text(ctx, "key"), text(ctx, "model"),
            text(ctx, "upstream"));
        period = choice(ctx, "group_by", "hour", Set.of("hour", "day", "month"));
        by = choice(ctx, "by", null, Set.of("user", "key", "model"));
        csv = "csv".equals(choice(ctx, "format", "json", Set.of("json", "csv")));
      } catch (BadParameter e) {
        badRequest(ctx, e);
        return;
      }
      report(ctx, filter, period, by, csv);
    });
  }

  /**
   * {@code GET /admin/api/me/usage}: the report of {@code /admin/api/usage}, always of the caller's own user
   * (every key of theirs, and nothing else: the user filter is set here, never taken from the request).
   */
  private void myUsage(RoutingContext ctx) {
    principal(ctx).onSuccess(principal -> {
      if (principal.userId() == null) {
        Answers.error(ctx.response(), ApiFamily.NATIVE, ApiError.forbidden("your usage needs a user's API "
            + "key or password; '" + principal.clientId() + "' belongs to no user"));
        return;
      }
      UsageFilter filter;
      String period;
      String by;
      boolean csv;
      try {
        checkParams(ctx, MY_USAGE_PARAMS);
        filter = new UsageFilter(from(ctx), to(ctx), null, text(ctx, "key"), text(ctx, "model"), null)
            .forUser(principal.userId());
        period = choice(ctx, "group_by", "hour", Set.of("hour", "day", "month"));
        by = choice(ctx, "by", null, Set.of("key", "model"));
        csv = "csv".equals(choice(ctx, "format", "json", Set.of("json", "csv")));
      } catch (BadParameter e) {
        badRequest(ctx, e);
        return;
      }
      report(ctx, filter, period, by, csv);
    });
  }

  private void report(RoutingContext ctx, UsageFilter filter, String period, String by, boolean csv) {
    vertx.executeBlocking(() -> report(store.totals(filter), period, by), false)
        .onSuccess(rows -> {
          if (csv) {
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/csv; charset=utf-8")
                .putHeader("Content-Disposition", "attachment; filename=\"usage.csv\"")
                .end(csv(rows, by));
          } else {
            json(ctx, rows);
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  /** Sums hourly totals into periods (UTC), split by one dimension if asked; oldest period first. */
  static JsonArray report(List<UsageTotal> totals, String period, String by) {
    Map<List<Object>, JsonObject> rows = new LinkedHashMap<>();
    for (UsageTotal t : totals) {
      String at = period(t.hour(), period);
      List<Object> key = new ArrayList<>();
      key.add(at);
      JsonObject row = new JsonObject().put("period", at);
      if ("user".equals(by)) {
        key.add(t.userId());
        row.put("user_id", t.userId() == 0 ? null : t.userId()).put("user", t.userName());
      } else if ("key".equals(by)) {
        key.add(t.keyId());
        key.add(t.client());
        row.put("key_id", t.keyId() == 0 ? null : t.keyId()).put("key", t.keyLabel());
      } else if ("model".equals(by)) {
        key.add(t.model());
        row.put("model", t.model());
      }
      JsonObject sums = rows.computeIfAbsent(key, k -> {
        COUNTERS.forEach(name -> row.put(name, 0L));
        return row;
      });
      add(sums, "requests", t.requests());
      add(sums, "prompt_tokens", t.promptTokens());
      add(sums, "completion_tokens", t.completionTokens());
      add(sums, "total_tokens", t.promptTokens() + t.completionTokens());
      add(sums, "estimated_tokens", t.estimatedTokens());
      add(sums, "errors", t.errors());
      add(sums, "duration_ms", t.durationMillis());
      add(sums, "first_byte_ms", t.firstByteMillis());
    }
    return new JsonArray(new ArrayList<>(rows.values()));
  }

  private static void add(JsonObject row, String name, long value) {
    row.put(name, row.getLong(name) + value);
  }

  private static String period(Instant hour, String period) {
    return switch (period) {
      case "day" -> hour.atOffset(ZoneOffset.UTC).toLocalDate().toString();
      case "month" -> hour.atOffset(ZoneOffset.UTC).toLocalDate().toString().substring(0, 7);
      default -> hour.toString();
    };
  }

  private static String csv(JsonArray rows, String by) {
    List<String> columns = new ArrayList<>();
    columns.add("period");
    if ("user".equals(by)) {
      columns.addAll(List.of("user_id", "user"));
    } else if ("key".equals(by)) {
      columns.addAll(List.of("key_id", "key"));
    } else if ("model".equals(by)) {
      columns.add("model");
    }
    columns.addAll(COUNTERS);
    StringBuilder out = new StringBuilder(String.join(",", columns)).append("\r\n");
    for (Object item : rows) {
      JsonObject row = (JsonObject) item;
      for (int i = 0; i < columns.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        Object value = row.getValue(columns.get(i));
        out.append(value == null ? "" : csvField(value.toString()));
      }
      out.append("\r\n");
    }
    return out.toString();
  }

  private static String csvField(String value) {
    // Quotes for separators, and a leading quote-safe prefix against spreadsheet formulas in names.
    String safe = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 && !value.matches("-?\\d+") ? "'" + value
        : value;
    if (safe.contains(",") || safe.contains("\"") || safe.contains("\n") || safe.contains("\r")) {
      return "\"" + safe.replace("\"", "\"\"") + "\"";
    }
    return safe;
  }

  // -------------------------------------------------------------------------------------------------------
  // parameters

  /** A query parameter the route cannot use. */
  private static final class BadParameter extends RuntimeException {
    final String field;

    BadParameter(String field, String message) {
      super(field + ": " + message, null, false, false);
      this.field = field;
    }
  }

  private static void checkParams(RoutingContext ctx, Set<String> allowed) {
    for (String name : ctx.queryParams().names()) {
      if (!allowed.contains(name)) {
        throw new BadParameter(name, "unknown parameter; expected one of " + new TreeSet<>(allowed));
      }
    }
  }

  private static String text(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1 || values.get(0).isBlank()) {
      throw new BadParameter(name, "give one non-empty value");
    }
    return values.get(0).trim();
  }

  private static String choice(RoutingContext ctx, String name, String fallback, Set<String> allowed) {
    String value = text(ctx, name);
    if (value == null) {
      return fallback;
    }
    if (!allowed.contains(value)) {
      throw new BadParameter(name, "must be one of " + new TreeSet<>(allowed));
    }
    return value;
  }

  private static Instant from(RoutingContext ctx) {
    return instant(ctx, "from", false);
  }

  /** A date {@code to} includes that whole day; an instant is exclusive. */
  private static Instant to(RoutingContext ctx) {
    return instant(ctx, "to", true);
  }

  private static Instant instant(RoutingContext ctx, String name, boolean endOfDay) {
    String value = text(ctx, name);
    if (value == null) {
      return null;
    }
    try {
      if (value.length() == 10) {
        LocalDate date = LocalDate.parse(value);
        return (endOfDay ? date.plusDays(1) : date).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new BadParameter(name, "must be an ISO date (2026-11-22) or a UTC instant (2026-11-22T04:00:00Z)");
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // answers

  private Future<Principal> principal(RoutingContext ctx) {
    return RequestAuth.authenticate(ctx, authenticator)
        .onFailure(err -> Answers.failure(ctx.response(), ApiFamily.NATIVE, err));
  }

  private Future<Principal> admin(RoutingContext ctx) {
    return RequestAuth.requireAdmin(ctx, authenticator, "this route needs an admin")
        .onFailure(err -> Answers.failure(ctx.response(), ApiFamily.NATIVE, err));
  }

  private static void badRequest(RoutingContext ctx, BadParameter e) {
    Answers.json(ctx.response(), 400, new JsonObject().put("error", e.getMessage()).put("field", e.field));
  }

  private static void json(RoutingContext ctx, JsonArray rows) {
    Answers.json(ctx.response(), 200, rows);
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    LOG.error("usage query {} failed", ctx.request().path(), err);
    Answers.error(ctx.response(), ApiFamily.NATIVE, new ApiError(500,
        "the usage could not be read; see the gateway's log"));
  }
}
