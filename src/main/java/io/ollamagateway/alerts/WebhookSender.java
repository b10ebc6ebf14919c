package io.ollamagateway.alerts;

import io.ollamagateway.config.WebhookConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts events to webhooks: signs each attempt ({@link Signature}), retries a failed one after
 * {@code retryDelay}, doubling, up to {@code maxAttempts}, and keeps the last {@value #LOG_SIZE} deliveries
 * for the delivery log. Holds the log in memory: it starts empty with each process.
 *
 * <p>Everything runs on one Vert.x context of its own, so the deliveries need no lock; other threads hand
 * work to it with {@link Context#runOnContext}.
 */
final class WebhookSender {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  static final int LOG_SIZE = 200;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** One delivery while it lives: mutable, confined to the sender's context. */
  private static final class Entry {
    final String id;
    final WebhookConfig hook;
    final String event;
    final String type;
    final String body;
    final Instant createdAt;
    String status = "pending";
    int attempts;
    int lastStatusCode;
    String lastError;
    Instant lastAttemptAt;
    Instant nextAttemptAt;
    long timer = -1;

    Entry(String id, WebhookConfig hook, String event, String type, String body, Instant createdAt) {
      this.id = id;
      this.hook = hook;
      this.event = event;
      this.type = type;
      this.body = body;
      this.createdAt = createdAt;
    }

    Delivery view() {
      return new Delivery(id, hook.name(), event, type, status, attempts, lastStatusCode, lastError, createdAt,
          lastAttemptAt, nextAttemptAt);
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final HttpClient client;
  private final Clock clock;
  private final Duration retryDelay;
  private final int maxAttempts;
  private final String userAgent;
  private final ArrayDeque<Entry> log = new ArrayDeque<>();
  private boolean closed;

  WebhookSender(Vertx vertx, Clock clock, Duration retryDelay, int maxAttempts, String version) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout((int) TIMEOUT.toMillis())
            .setIdleTimeout(30)
            .setVerifyHost(true),
        new PoolOptions().setHttp1MaxSize(4));
    this.clock = clock;
    this.retryDelay = retryDelay;
    this.maxAttempts = maxAttempts;
    this.userAgent = "ollama-gateway/" + version;
  }

  /** Queues a delivery of {@code body} to {@code hook}; from any thread. */
  void send(WebhookConfig hook, String deliveryId, String eventId, String type, String body) {
    context.runOnContext(v -> {
      if (closed) {
        return;
      }
      Entry entry = new Entry(deliveryId, hook, eventId, type, body, clock.instant());
      log.addFirst(entry);
      while (log.size() > LOG_SIZE) {
        Entry dropped = log.removeLast();
        if (dropped.timer >= 0) {
          vertx.cancelTimer(dropped.timer);
        }
      }
      attempt(entry);
    });
  }

  /** The newest deliveries first. */
  Future<List<Delivery>> deliveries() {
    Promise<List<Delivery>> result = Promise.promise();
    context.runOnContext(v -> {
      List<Delivery> views = new ArrayList<>(log.size());
      log.forEach(entry -> views.add(entry.view()));
      result.complete(views);
    });
    return result.future();
  }

  /**
   * Sends a delivery again now, with a fresh count of attempts (an admin's retry); empty when the log no
   * longer has it.
   */
  Future<Optional<Delivery>> retry(String deliveryId) {
    Promise<Optional<Delivery>> result = Promise.promise();
    context.runOnContext(v -> {
      for (Entry entry : log) {
        if (entry.id.equals(deliveryId)) {
          if (entry.timer >= 0) {
            vertx.cancelTimer(entry.timer);
            entry.timer = -1;
          }
          entry.attempts = 0;
          entry.status = "pending";
          attempt(entry).onComplete(ar -> result.complete(Optional.of(entry.view())));
          return;
        }
      }
      result.complete(Optional.empty());
    });
    return result.future();
  }

  private Future<Void> attempt(Entry entry) {
    entry.timer = -1;
    entry.attempts++;
    entry.lastAttemptAt = clock.instant();
    entry.nextAttemptAt = null;
    long now = entry.lastAttemptAt.getEpochSecond();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(entry.hook.url().toString())
        .setTimeout(TIMEOUT.toMillis())
        .putHeader("Content-Type", "application/json")
        .putHeader("User-Agent", userAgent)
        .putHeader("X-Gateway-Event", entry.type)
        .putHeader("X-Gateway-Delivery", entry.id)
        .putHeader(Signature.HEADER, Signature.sign(entry.hook.secret(), now, entry.body));
    return client.request(options)
        .compose(request -> request.send(Buffer.buffer(entry.body)))
        .compose(response -> response.body().map(ignored -> response.statusCode()))
        .transform(ar -> {
          if (ar.succeeded() && ar.result() / 100 == 2) {
            entry.status = "delivered";
            entry.lastStatusCode = ar.result();
            entry.lastError = null;
            return Future.succeededFuture();
          }
          entry.lastStatusCode = ar.succeeded() ? ar.result() : 0;
          entry.lastError = ar.succeeded() ? "HTTP " + ar.result() : String.valueOf(ar.cause().getMessage());
          if (entry.attempts >= maxAttempts || closed) {
            entry.status = "failed";
            LOG.warn("webhook '{}' ({}): {} delivery {} failed after {} attempts: {}", entry.hook.name(),
                entry.hook.displayUrl(), entry.type, entry.id, entry.attempts, entry.lastError);
          } else {
            long delay = retryDelay.toMillis() << Math.min(20, entry.attempts - 1);
            entry.nextAttemptAt = clock.instant().plusMillis(delay);
            entry.timer = vertx.setTimer(delay, t -> attempt(entry));
          }
          return Future.succeededFuture();
        });
  }

  /** Stops retrying and closes the client; from any thread. */
  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      closed = true;
      for (Iterator<Entry> it = log.iterator(); it.hasNext(); ) {
        Entry entry = it.next();
        if (entry.timer >= 0) {
          vertx.cancelTimer(entry.timer);
          entry.timer = -1;
        }
      }
      client.close().onComplete(ar -> done.complete());
    });
    return done.future();
  }
}
