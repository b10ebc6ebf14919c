package io.ollamagateway.server;

import io.ollamagateway.store.Database;
import io.ollamagateway.upstream.KeyPool;
import io.ollamagateway.upstream.Upstream;
import io.ollamagateway.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * Whether this gateway can serve requests: the store answers a trivial query and at least one upstream is in
 * rotation (its last health check, or the last request to it, went well) with a usable key, if it takes keys
 * (keys cooling down after a 429 count as usable: they come back by themselves; keys disabled because the
 * upstream confirmed them bad do not, and {@code missing} then names {@code upstream_keys}). Upstreams are not probed here: a
 * readiness check polled every few seconds by a load balancer should not fan out to every Ollama server.
 *
 * <p>{@link #check} may be called on an event loop; the query runs on a worker thread.
 */
final class Readiness {

  /** What {@link #check} found. */
  record Report(boolean ready, JsonObject body) {
  }

  private static final long STORE_TIMEOUT_MILLIS = 2_000;

  private final Vertx vertx;
  private final Database database;
  private final UpstreamRegistry registry;

  Readiness(Vertx vertx, Database database, UpstreamRegistry registry) {
    this.vertx = vertx;
    this.database = database;
    this.registry = registry;
  }

  Future<Report> check() {
    Future<String> store = vertx.<String>executeBlocking(() -> {
      try (Connection connection = database.dataSource().getConnection();
           Statement statement = connection.createStatement()) {
        statement.setQueryTimeout((int) TimeUnit.MILLISECONDS.toSeconds(STORE_TIMEOUT_MILLIS));
        try (ResultSet result = statement.executeQuery("SELECT 1")) {
          result.next();
        }
        return null;
      }
    }, false).timeout(STORE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        // the drivers' messages name host and port, never the password of DATABASE_URL
        .recover(err -> Future.succeededFuture(err.getMessage() == null ? err.getClass().getSimpleName()
            : firstLine(err.getMessage())));
    return store.map(storeError -> {
      JsonArray upstreams = new JsonArray();
      boolean anyHealthy = false;
      boolean anyServing = false;
      for (Upstream upstream : registry.snapshot().upstreams()) {
        anyHealthy |= upstream.healthy();
        JsonObject entry = new JsonObject().put("name", upstream.name()).put("healthy", upstream.healthy());
        if (!upstream.healthy() && upstream.lastError() != null) {
          entry.put("error", upstream.lastError());
        }
        boolean keyUsable = upstream.keys().isEmpty();
        if (!upstream.keys().isEmpty()) {
          JsonArray disabled = new JsonArray();
          for (KeyPool.KeyState key : upstream.keys().states()) {
            if (key.disabledReason() == null) {
              keyUsable = true; // available, or cooling down after a 429: it comes back by itself
            } else {
              disabled.add(new JsonObject().put("index", key.index()).put("reason", key.disabledReason()));
            }
          }
          entry.put("keys_usable", keyUsable);
          if (!disabled.isEmpty()) {
            entry.put("keys_disabled", disabled);
          }
        }
        anyServing |= upstream.healthy() && keyUsable;
        upstreams.add(entry);
      }
      JsonArray missing = new JsonArray();
      if (storeError != null) {
        missing.add("store");
      }
      if (!anyHealthy) {
        missing.add("upstream");
      } else if (!anyServing) {
        missing.add("upstream_keys"); // every healthy upstream has had every key refused: each call would fail
      }
      JsonObject storeJson = new JsonObject().put("ok", storeError == null).put("kind",
          database.vendor().name().toLowerCase());
      if (storeError != null) {
        storeJson.put("error", storeError);
      }
      JsonObject body = new JsonObject()
          .put("status", missing.isEmpty() ? "ready" : "not_ready")
          .put("store", storeJson)
          .put("upstreams", upstreams);
      if (!missing.isEmpty()) {
        body.put("missing", missing);
      }
      return new Report(missing.isEmpty(), body);
    });
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
