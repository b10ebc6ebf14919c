package io.ollamagateway.proxy;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.api.Futures;
import io.ollamagateway.api.RequestId;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.routing.Alias;
import io.ollamagateway.routing.AliasTable;
import io.ollamagateway.routing.Aliases;
import io.ollamagateway.upstream.Attempt;
import io.ollamagateway.upstream.Target;
import io.ollamagateway.upstream.UpstreamSelector;
import io.ollamagateway.upstream.UpstreamClient;
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
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request pipeline of every proxied call:
 * <ol>
 *   <li>make the path canonical ({@link CanonicalPath}; 400 when it cannot be) and look up its row of the
 *       endpoint table ({@link Endpoint}); a method the row does not take gets 405 with {@code Allow};</li>
 *   <li>authenticate the caller ({@link Authenticator}); refuse admin-only rows to other callers (403, or 404
 *       for a path the table does not know);</li>
 *   <li>read a JSON route's body whatever its Content-Type, as it arrives (never sized from Content-Length),
 *       up to {@code MAX_BODY_SIZE}, within {@code CLIENT_BODY_TIMEOUT} and under the process-wide
 *       {@code MAX_BODY_BYTES_IN_FLIGHT}, and check it ({@link RequestBody}); streamed routes (blob uploads,
 *       audio) go through unbuffered;</li>
 *   <li>run the {@link RequestStage}s: authorize, admit, prepare for metering;</li>
 *   <li>route to an upstream and key ({@link UpstreamSelector}); a model that is an alias goes to the first of its
 *       targets that the caller may use and that is healthy, serves the model and has capacity, and falls back
 *       to the next on a 5xx, a connect failure, a timeout or an overload, always before the first byte;</li>
 *   <li>forward and stream the answer back ({@link Forwarder}); an attempt refused for its key (429, 401/403)
 *       or whose upstream cannot be reached is repeated on the next target, never after the first byte;</li>
 *   <li>tell the {@link ExchangeListener}s (access log, metrics).</li>
 * </ol>
 * Any stage may fail with an {@link ApiError}, which reaches the client in the called API's shape. A refusal
 * sent while the client is still sending its body is followed by a lingering close ({@link Linger}), so that a
 * client that writes its whole body before reading reads the refusal.
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
  private final Vertx vertx;
  private final InFlightBodies inFlight;
  private final Duration bodyTimeout;
  private final AliasTable aliases;
  private final AnswerSource answers;

  /** A handler without aliases. */
  public ProxyHandler(GatewayConfig config, Vertx vertx, Authenticator authenticator,
      List<RequestStage> stages, UpstreamSelector selector, ResponseTap.Factory taps,
      List<ExchangeListener> listeners) {
    this(config, vertx, authenticator, stages, selector, taps, listeners, new AliasTable(Aliases.NONE),
        AnswerSource.NONE);
  }

  /**
   * @param stages run in order after the body is read and before routing (authorize, admit, meter)
   * @param taps open the taps that see each answer
   * @param listeners told when each request starts and ends (access log, metrics)
   * @param aliases the model aliases in force, read per request (a reload replaces them)
   * @param answers answers some requests without an upstream (the embeddings cache)
   */
  public ProxyHandler(GatewayConfig config, Vertx vertx, Authenticator authenticator,
      List<RequestStage> stages, UpstreamSelector selector, ResponseTap.Factory taps,
      List<ExchangeListener> listeners, AliasTable aliases, AnswerSource answers) {
    this.aliases = aliases;
    this.answers = answers;
    this.authenticator = authenticator;
    this.stages = List.copyOf(stages);
    this.selector = selector;
    this.client = new UpstreamClient(vertx, config.upstreamConnectTimeout(), config.upstreamIdleTimeout(),
        config.upstreamMaxConnections());
    this.forwarder = new Forwarder(client, config, taps);
    this.listeners = List.copyOf(listeners);
    this.maxBodyBytes = config.maxBodyBytes();
    this.vertx = vertx;
    this.inFlight = new InFlightBodies(config.clientLimits().maxBodyBytesInFlight());
    this.bodyTimeout = config.clientLimits().bodyTimeout();
  }

  /** Closes the connections to the upstreams; requests still under way fail. */
  public void close() {
    client.close();
  }

  @Override
  public void handle(HttpServerRequest request) {
    String requestId = RequestId.assign(request);
    String path;
    try {
      path = CanonicalPath.of(request.path());
    } catch (ApiError refused) {
      refuseAtOnce(request, ApiFamily.ofPath(request.path()), refused);
      return;
    }
    if (path == null) {
      refuseAtOnce(request, ApiFamily.NATIVE, ApiError.notFound("no route " + request.path()
          + ": Ollama routes are under /api/ and OpenAI-compatible routes under /v1/"));
      return;
    }
    Endpoint endpoint = Endpoint.of(path);
    Exchange exchange = new Exchange(request, path, endpoint, requestId);
    request.pause();
    request.response().closeHandler(v -> exchange.cancel());
    request.exceptionHandler(err -> exchange.cancel());
    for (ExchangeListener listener : listeners) {
      listener.onStart(exchange);
    }
    if (!endpoint.allows(request.method())) {
      fail(exchange, new ApiError(405, "method " + request.method().name() + " is not allowed on " + path
          + "; allowed: " + endpoint.allowHeader(), Map.of("Allow", endpoint.allowHeader())));
      return;
    }

    ExchangeTrace trace = exchange.trace();
    trace.begin(ExchangeTrace.Phase.AUTHENTICATE);
    Futures.then(authenticator.authenticate(request), principal -> {
      trace.end(ExchangeTrace.Phase.AUTHENTICATE, null);
      exchange.principal(principal);
      if (endpoint.adminOnly() && !principal.isAdmin()) {
        return Future.failedFuture(endpoint.known()
            ? ApiError.forbidden("only admins may call " + path + " (model management); your key's role is '"
                + principal.role().name().toLowerCase(Locale.ROOT) + "'")
            : ApiError.notFound("no route " + path + ": the gateway forwards the Ollama and OpenAI routes of "
                + "its endpoint table; other paths are for admins only"));
      }
      return readBody(exchange);
    })
        .compose(v -> {
          trace.begin(ExchangeTrace.Phase.ADMIT);
          return runStages(exchange, 0);
        })
        .compose(v -> {
          trace.end(ExchangeTrace.Phase.ADMIT, null);
          return modelList(exchange) ? Future.succeededFuture(new Forwarder.Outcome(200, null))
              : endpoint.kind() != Endpoint.Kind.EMBEDS ? route(exchange)
                  : answers.lookup(exchange).compose(local -> local != null
                      ? Future.succeededFuture(forwarder.answerLocally(exchange, local)) : route(exchange));
        })
        .onComplete(ended -> { // one listener: a second would make the future keep a list of them
          if (ended.succeeded()) {
            finish(exchange, ended.result().status(), ended.result().note());
          } else {
            fail(exchange, ended.cause());
          }
        });
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
  private Future<Forwarder.Outcome> route(Exchange exchange) {
    Endpoint endpoint = exchange.endpoint();
    Alias alias = endpoint.adminOnly() || endpoint.modelFields().isEmpty() ? null
        : aliases.get().find(exchange.model());
    if (alias == null) {
      return attempt(exchange, Set.of(), null, 1, null);
    }
    AliasChain chain = AliasChain.plan(alias, exchange.principal(), selector);
    if (chain == null) {
      return Future.failedFuture(ApiError.forbidden("model '" + exchange.model() + "' is an alias, and none of "
          + "its targets is allowed for this API key"));
    }
    chain.retarget(exchange);
    return attempt(exchange, Set.of(), null, 1, chain);
  }

  /** Moves an alias's request to its next target and tries it; the caller checked that there is one. */
  private Future<Forwarder.Outcome> fallBack(Exchange exchange, AliasChain chain, ApiError why, int n) {
    LOG.info("{} {}: alias '{}' target {} failed before its first byte ({}); falling back to the next target",
        exchange.request().method(), exchange.path(), exchange.alias(), chain.current(), why.status());
    chain.advance();
    chain.retarget(exchange);
    return attempt(exchange, Set.of(), why, n + 1, chain);
  }

  /** @param excluded upstreams that failed to connect for this request; never changed (a retry gets a copy) */
  private Future<Forwarder.Outcome> attempt(Exchange exchange, Set<String> excluded, ApiError previous, int n,
      AliasChain chain) {
    Attempt route = chain == null ? new Attempt(exchange.model(), exchange.principal().clientId(), excluded)
        : new Attempt(chain.current().model(), exchange.principal().clientId(), excluded, chain.current().upstream());
    exchange.trace().begin(ExchangeTrace.Phase.ROUTE);
    return selector.select(route)
        .transform(selected -> {
          exchange.trace().end(ExchangeTrace.Phase.ROUTE, selected.cause());
          if (selected.failed()) {
            Throwable err = selected.cause();
            if (chain != null && chain.hasNext() && err instanceof ApiError e && !exchange.clientGone()
                && n < MAX_ATTEMPTS) {
              return fallBack(exchange, chain, e, n);
            }
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
          if (chain != null && outcome.upstreamDown()) {
            if (chain.hasNext() && n < MAX_ATTEMPTS && !exchange.clientGone()) {
              return fallBack(exchange, chain, outcome.retry(), n);
            }
            return Future.failedFuture(outcome.retry());
          }
          Set<String> tried = excluded;
          if (outcome.upstreamDown()) {
            tried = new HashSet<>(excluded);
            tried.add(exchange.target().upstream().name());
          }
          LOG.info("{} {}: attempt {} on {} not answered ({}); trying another target", exchange.request().method(),
              exchange.path(), n, exchange.target(), outcome.retry().status());
          if (n >= MAX_ATTEMPTS || exchange.clientGone()) {
            return Future.failedFuture(outcome.retry());
          }
          return attempt(exchange, tried, outcome.retry(), n + 1, chain);
        });
  }

  /**
   * With several upstreams the gateway answers {@code GET /api/tags} and {@code GET /v1/models} itself, with
   * the union of the upstreams' models that the caller may use.
   */
  private boolean modelList(Exchange exchange) {
    boolean tags = exchange.endpoint() == Endpoint.TAGS;
    boolean openAi = exchange.endpoint() == Endpoint.OPENAI_MODELS;
    HttpMethod method = exchange.request().method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      return false;
    }
    if (exchange.endpoint() == Endpoint.OPENAI_MODEL) {
      return aliasModel(exchange);
    }
    if (!(tags || openAi)) {
      return false;
    }
    Aliases table = aliases.get();
    Optional<List<JsonObject>> all = table.isEmpty() ? selector.aggregatedModels()
        : selector.aggregatedModels().or(selector::catalogue).map(list -> AliasChain.listed(list, table,
            exchange.principal()));
    if (all.isEmpty()) {
      return false;
    }
    Principal principal = exchange.principal();
    JsonArray models = new JsonArray();
    for (JsonObject model : all.get()) {
      String name = model.getString("name", model.getString("model", ""));
      if (principal.mayUse(name)) {
        models.add(tags ? model : openAiModel(name));
      }
    }
    JsonObject body = tags ? new JsonObject().put("models", models)
        : new JsonObject().put("object", "list").put("data", models);
    exchange.request().response().setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, Answers.JSON)
        .end(body.toBuffer());
    return true;
  }

  /**
   * {@code GET /v1/models/{alias}} is answered here for an alias the caller may use (as {@code /v1/models} lists
   * it): no upstream knows the alias's name. Any other id goes to the upstream.
   */
  private boolean aliasModel(Exchange exchange) {
    Alias alias = aliases.get().find(Endpoint.OPENAI_MODEL.pathParameter(exchange.path()));
    Principal principal = exchange.principal();
    if (alias == null || alias.targets().stream().noneMatch(t -> principal.mayUse(t.model()))) {
      return false;
    }
    exchange.request().response().setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, Answers.JSON)
        .end(openAiModel(alias.name()).toBuffer());
    return true;
  }

  private static JsonObject openAiModel(String id) {
    return new JsonObject().put("id", id).put("object", "model").put("created", 0L).put("owned_by", "library");
  }

  /**
   * Reads the body as the route says: a JSON route's body is buffered as it arrives and checked, whatever its
   * Content-Type; a streamed route's body is left to the forwarder; a route without a body refuses one.
   */
  private Future<Void> readBody(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    Endpoint endpoint = exchange.endpoint();
    switch (endpoint.body()) {
      case STREAMED -> {
        if (!hasBody(request)) {
          request.resume();
        }
        return Future.succeededFuture();
      }
      case NONE -> {
        if (hasBody(request)) {
          return Future.failedFuture(ApiError.badRequest(exchange.path() + " takes no request body"));
        }
        request.resume();
        return Future.succeededFuture();
      }
      default -> {
        return readJson(exchange);
      }
    }
  }

  /**
   * Buffers a JSON body as its bytes arrive (a declared Content-Length is only compared with the limit, never
   * allocated), taking each chunk from the process-wide {@link InFlightBodies}, within the body deadline.
   */
  private Future<Void> readJson(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    long length = declared == null ? -1 : parseLength(declared);
    if (length > maxBodyBytes) {
      return Future.failedFuture(tooLarge());
    }
    if (length > inFlight.cap()) {
      return Future.failedFuture(new ApiError(413, "request body of " + length + " bytes is larger than the "
          + "gateway's limit of " + inFlight.cap() + " bytes of bodies in flight (MAX_BODY_BYTES_IN_FLIGHT)"));
    }
    Promise<Void> read = Promise.promise();
    Received body = new Received();
    // a client that goes away mid-body ends the exchange, which gives back the bytes its body held
    request.exceptionHandler(err -> {
      exchange.cancel();
      read.tryFail(new ApiError(499, "client closed the connection while sending its body"));
    });
    request.response().closeHandler(v -> {
      exchange.cancel();
      read.tryFail(new ApiError(499, "client closed the connection while sending its body"));
    });
    request.handler(chunk -> {
      if (read.future().isComplete()) {
        return;
      }
      if (body.length() + (long) chunk.length() > maxBodyBytes) {
        read.tryFail(tooLarge());
      } else if (!inFlight.tryTake(chunk.length())) {
        read.tryFail(new ApiError(503, "the gateway is buffering as many request bodies as it may "
            + "(MAX_BODY_BYTES_IN_FLIGHT=" + inFlight.cap() + " bytes); try again shortly",
            Map.of("Retry-After", "1")));
      } else {
        exchange.holdBytes(inFlight, chunk.length());
        body.add(chunk);
      }
    });
    request.endHandler(v -> {
      if (read.future().isComplete()) {
        return;
      }
      try {
        exchange.body(RequestBody.inspect(body.bytes(), exchange.endpoint()));
        read.tryComplete();
      } catch (ApiError refused) {
        read.tryFail(refused);
      }
    });
    request.resume(); // a body that arrived meanwhile (behind a slow authentication) is read here: no timer
    if (!bodyTimeout.isZero() && !read.future().isComplete()) {
      long timer = vertx.setTimer(bodyTimeout.toMillis(), id -> read.tryFail(new ApiError(408, "the request body "
          + "did not arrive within " + bodyTimeout.toSeconds() + " s (CLIENT_BODY_TIMEOUT)")));
      read.future().onComplete(ar -> vertx.cancelTimer(timer));
    }
    return read.future();
  }

  /**
   * A JSON body's bytes as they arrive: the first chunk as Vert.x handed it over (its own copy; most often the
   * whole body), later ones appended to a copy of it.
   */
  private static final class Received {
    private Buffer bytes;
    private boolean copied;

    int length() {
      return bytes == null ? 0 : bytes.length();
    }

    void add(Buffer chunk) {
      if (bytes == null) {
        bytes = chunk;
        return;
      }
      if (!copied) {
        bytes = Buffer.buffer(bytes.length() + chunk.length()).appendBuffer(bytes);
        copied = true;
      }
      bytes.appendBuffer(chunk);
    }

    Buffer bytes() {
      return bytes == null ? Buffer.buffer() : bytes;
    }
  }

  private ApiError tooLarge() {
    return new ApiError(413, "request body is larger than the gateway's limit of " + maxBodyBytes
        + " bytes (MAX_BODY_SIZE)");
  }

  /** A refusal before the exchange began (the path cannot be made canonical, or is not proxied). */
  private void refuseAtOnce(HttpServerRequest request, ApiFamily family, ApiError error) {
    HttpServerResponse out = request.response();
    boolean unread = hasBody(request) && !request.isEnded();
    if (unread) {
      out.putHeader(HttpHeaders.CONNECTION, "close");
    }
    Answers.error(out, family, error);
    if (unread) {
      Linger.drain(vertx, request);
    }
  }

  private void fail(Exchange exchange, Throwable err) {
    ApiError error;
    if (err instanceof ApiError apiError) {
      error = apiError;
    } else {
      LOG.error("unexpected failure on {} {}", exchange.request().method(), exchange.path(), err);
      error = new ApiError(500, "internal gateway error; see the gateway's log");
    }
    HttpServerRequest request = exchange.request();
    HttpServerResponse out = request.response();
    if (!exchange.clientGone() && !out.headWritten()) {
      // a body still on its way must not be read as the next request: drain it for a while, then close
      boolean unread = hasBody(request) && !request.isEnded();
      if (unread || error.status() == 408) {
        out.putHeader(HttpHeaders.CONNECTION, "close");
      }
      Future<Void> sent = Answers.error(out, exchange.endpoint().family(), error);
      if (error.status() == 408) {
        sent.onComplete(v -> request.connection().close()); // a slow client is not waited for any longer
      } else if (unread) {
        Linger.drain(vertx, request);
      }
    } else if (!out.ended() && !exchange.clientGone()) {
      out.reset();
    }
    finish(exchange, exchange.clientGone() ? 499 : error.status(), error.status() >= 500 ? error.getMessage()
        : null);
  }

  private void finish(Exchange exchange, int status, String note) {
    if (exchange.finish()) {
      exchange.releaseBytes();
      for (ExchangeListener listener : listeners) {
        listener.onFinish(exchange, status, note);
      }
    }
  }

  static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return parseLength(length) != 0;
    }
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
