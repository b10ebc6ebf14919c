package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.api.RequestId;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.upstream.Route;
import io.ollamagateway.upstream.Target;
import io.ollamagateway.upstream.UpstreamSelector;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request pipeline of every proxied call:
 * <ol>
 *   <li>resolve the path to its canonical upstream path and {@link Endpoint};</li>
 *   <li>authenticate the caller ({@link Authenticator});</li>
 *   <li>read the JSON body, up to {@code MAX_BODY_SIZE} (blob uploads stream instead);</li>
 *   <li>run the {@link RequestStage}s: authorize, admit, prepare for metering;</li>
 *   <li>route to an upstream and key ({@link UpstreamSelector});</li>
 *   <li>forward and stream the answer back ({@link Forwarder}); an attempt refused for its key (429, 401/403)
 *       or whose upstream cannot be reached is repeated on the next target, never after the first byte;</li>
 *   <li>tell the {@link ExchangeListener}s (access log, metrics).</li>
 * </ol>
 * Any stage may fail with an {@link ApiError}, which reaches the client in the called API's shape.
 *
 * <p>Runs on the event loop of the client's connection and never blocks it. Shared by every event loop:
 * it keeps no per-request state outside the {@link Exchange}.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
  /** Attempts per request: enough to walk a key pool and fail over, bounded against loops. */
  private static final int MAX_ATTEMPTS = 16;

  private final Authenticator authenticator;
  private final UpstreamSelector selector;
  private final UpstreamClient client;
  private final Forwarder forwarder;
  private final List<RequestStage> stages;
  private final List<ExchangeListener> listeners;
  private final long maxBodyBytes;

  /**
   * @param stages run in order after the body is read and before routing (authorize, admit, meter)
   * @param taps open the taps that see each answer
   * @param listeners told when each request starts and ends (access log, metrics)
   */
  public ProxyHandler(GatewayConfig config, Vertx vertx, Authenticator authenticator,
      List<RequestStage> stages, UpstreamSelector selector, ResponseTap.Factory taps,
      List<ExchangeListener> listeners) {
    this.authenticator = authenticator;
    this.stages = List.copyOf(stages);
    this.selector = selector;
    this.client = new UpstreamClient(vertx, config.upstreamConnectTimeout(), config.upstreamIdleTimeout(),
        config.upstreamMaxConnections());
    this.forwarder = new Forwarder(client, config, taps);
    this.listeners = List.copyOf(listeners);
    this.maxBodyBytes = config.maxBodyBytes();
  }

  /** Closes the connections to the upstreams; requests still under way fail. */
  public void close() {
    client.close();
  }

  @Override
  public void handle(HttpServerRequest request) {
    String requestId = RequestId.assign(request);
    String path = RouteResolver.canonicalPath(request.path());
    if (path == null) {
      request.resume();
      respond(request.response(), ApiFamily.NATIVE, ApiError.notFound("no route " + request.path()
          + ": Ollama routes are under /api/ and OpenAI-compatible routes under /v1/"));
      return;
    }
    Exchange exchange = new Exchange(request, path, Endpoint.of(path), requestId);
    request.pause();
    request.response().closeHandler(v -> exchange.cancel());
    request.exceptionHandler(err -> exchange.cancel());
    for (ExchangeListener listener : listeners) {
      listener.onStart(exchange);
    }

    ExchangeTrace trace = exchange.trace();
    trace.begin(ExchangeTrace.Phase.AUTHENTICATE);
    authenticator.authenticate(request)
        .compose(principal -> {
          trace.end(ExchangeTrace.Phase.AUTHENTICATE, null);
          exchange.principal(principal);
          return readBody(exchange);
        })
        .compose(v -> {
          trace.begin(ExchangeTrace.Phase.ADMIT);
          return runStages(exchange, 0);
        })
        .compose(v -> {
          trace.end(ExchangeTrace.Phase.ADMIT, null);
          return modelList(exchange) ? Future.succeededFuture(new Forwarder.Outcome(200, null))
              : attempt(exchange, new HashSet<>(), null, 1);
        })
        .onSuccess(outcome -> finish(exchange, outcome.status(), outcome.note()))
        .onFailure(err -> fail(exchange, err));
  }

  private Future<Void> runStages(Exchange exchange, int index) {
    // most stages answer at once: chain futures only behind one that has not
    for (int i = index; i < stages.size(); i++) {
      Future<Void> stage = stages.get(i).apply(exchange);
      if (!stage.succeeded()) {
        int next = i + 1;
        return stage.compose(v -> runStages(exchange, next));
      }
    }
    return Future.succeededFuture();
  }

  /**
   * Routes and forwards one attempt; while nothing has reached the client, an attempt the forwarder
   * declares repeatable (key rate limited or refused, upstream unreachable) is repeated on the next target.
   * When no target is left, the client gets the last attempt's error.
   */
  private Future<Forwarder.Outcome> attempt(Exchange exchange, Set<String> excluded, ApiError previous, int n) {
    Route route = new Route(exchange.model(), exchange.principal().clientId(), excluded);
    exchange.trace().begin(ExchangeTrace.Phase.ROUTE);
    return selector.select(route)
        .transform(selected -> {
          exchange.trace().end(ExchangeTrace.Phase.ROUTE, selected.cause());
          if (selected.failed()) {
            Throwable err = selected.cause();
            return Future.failedFuture(previous != null && err instanceof ApiError e
                && (e.status() == 404 || e.status() == 502) ? previous : err);
          }
          Target target = selected.result();
          exchange.target(target);
          return forwarder.forward(exchange).andThen(ar -> target.lease().release());
        })
        .compose(outcome -> {
          if (outcome.retry() == null) {
            return Future.succeededFuture(outcome);
          }
          if (outcome.upstreamDown()) {
            excluded.add(exchange.target().upstream().name());
          }
          LOG.info("{} {}: attempt {} on {} not answered ({}); trying another target", exchange.request().method(),
              exchange.path(), n, exchange.target(), outcome.retry().status());
          if (n >= MAX_ATTEMPTS || exchange.clientGone()) {
            return Future.failedFuture(outcome.retry());
          }
          return attempt(exchange, excluded, outcome.retry(), n + 1);
        });
  }

  /**
   * With several upstreams the gateway answers {@code GET /api/tags} and {@code GET /v1/models} itself, with
   * the union of the upstreams' models that the caller may use.
   */
  private boolean modelList(Exchange exchange) {
    boolean tags = exchange.endpoint() == Endpoint.TAGS;
    boolean openAi = exchange.path().equals("/v1/models");
    HttpMethod method = exchange.request().method();
    if (!(tags || openAi) || (method != HttpMethod.GET && method != HttpMethod.HEAD)) {
      return false;
    }
    Optional<List<JsonObject>> all = selector.aggregatedModels();
    if (all.isEmpty()) {
      return false;
    }
    Principal principal = exchange.principal();
    JsonArray models = new JsonArray();
    for (JsonObject model : all.get()) {
      String name = model.getString("name", model.getString("model", ""));
      if (principal.mayUse(name)) {
        models.add(tags ? model : new JsonObject().put("id", name).put("object", "model").put("created", 0L)
            .put("owned_by", "library"));
      }
    }
    JsonObject body = tags ? new JsonObject().put("models", models)
        : new JsonObject().put("object", "list").put("data", models);
    exchange.request().response().setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
        .end(body.toBuffer());
    return true;
  }

  /** Buffers a JSON body up to the limit; leaves streamed and absent bodies to the forwarder. */
  private Future<Void> readBody(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    if (!hasBody(request)) {
      request.resume();
      return Future.succeededFuture();
    }
    if (exchange.endpoint().streamedBody() || isBinary(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      return Future.succeededFuture();
    }
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    long length = declared == null ? -1 : parseLength(declared);
    if (length > maxBodyBytes) {
      return Future.failedFuture(tooLarge());
    }
    Promise<Void> read = Promise.promise();
    Buffer body = Buffer.buffer(declared == null ? 1024 : (int) Math.max(0, length));
    request.handler(chunk -> {
      if (body.length() + (long) chunk.length() > maxBodyBytes) {
        request.handler(null);
        read.tryFail(tooLarge());
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.endHandler(v -> {
      exchange.body(new RequestBody(body));
      read.tryComplete();
    });
    request.resume();
    return read.future();
  }

  private ApiError tooLarge() {
    return new ApiError(413, "request body is larger than the gateway's limit of " + maxBodyBytes
        + " bytes (MAX_BODY_SIZE)");
  }

  private void fail(Exchange exchange, Throwable err) {
    ApiError error;
    if (err instanceof ApiError apiError) {
      error = apiError;
    } else {
      LOG.error("unexpected failure on {} {}", exchange.request().method(), exchange.path(), err);
      error = new ApiError(500, "internal gateway error; see the gateway's log");
    }
    HttpServerResponse out = exchange.request().response();
    if (!exchange.clientGone() && !out.headWritten()) {
      if (error.status() == 413) {
        // the rest of the body is still on its way: do not let it be read as the next request
        out.putHeader(HttpHeaders.CONNECTION, "close");
      }
      respond(out, exchange.endpoint().family(), error);
    } else if (!out.ended() && !exchange.clientGone()) {
      out.reset();
    }
    finish(exchange, exchange.clientGone() ? 499 : error.status(), error.status() >= 500 ? error.getMessage()
        : null);
  }

  private void finish(Exchange exchange, int status, String note) {
    if (exchange.finish()) {
      for (ExchangeListener listener : listeners) {
        listener.onFinish(exchange, status, note);
      }
    }
  }

  /**
   * Writes an error answer in the shape of the called API, with the request's id ({@link RequestId}) when
   * the response has one.
   */
  public static void respond(HttpServerResponse out, ApiFamily family, ApiError error) {
    out.setStatusCode(error.status());
    error.headers().forEach(out::putHeader);
    out.putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8");
    out.end(family.errorBody(error.status(), error.getMessage(), RequestId.of(out)));
  }

  static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return parseLength(length) != 0;
    }
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  private static boolean isBinary(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.toLowerCase(Locale.ROOT);
    return type.startsWith("multipart/") || type.startsWith("application/octet-stream")
        || type.startsWith("audio/") || type.startsWith("image/");
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
