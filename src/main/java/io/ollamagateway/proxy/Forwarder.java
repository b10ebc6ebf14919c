package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.net.TrustedProxies;
import io.ollamagateway.upstream.Target;
import io.ollamagateway.upstream.UpstreamClient;
import io.ollamagateway.upstream.UpstreamConnection;
import io.vertx.core.Future;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;

/**
 * Forward: sends one exchange to its target and streams the answer back, chunk by chunk, with backpressure
 * both ways (a slow client pauses the upstream read; a slow upstream pauses the upload). Nothing is buffered
 * but the JSON request body the pipeline already read.
 *
 * <p>Failures before the first byte of the answer complete the returned future with an {@link ApiError}
 * (502/504), so that the caller can answer in the API's shape; once the answer has started, a failure ends
 * a stream with Ollama's final {@code {"error":...}} line or an SSE error event, or cuts a plain body short.
 *
 * <p>An attempt that can be repeated elsewhere ends with {@link Outcome#retry()} set instead of being relayed:
 * a 429 for an upstream key, a 401/403 that a check of the key alone confirms (see {@link #judge}), a failure to
 * connect, or a pooled connection that the upstream closed without a byte of answer (the race with its idle
 * timeout); in all cases nothing has been written to the client, and only requests whose body is buffered (or
 * absent) are repeatable. What the upstream said
 * about the key is reported to the target's {@link io.ollamagateway.upstream.Lease} either way.
 *
 * <p>Runs on the exchange's event loop; holds no per-request state of its own.
 */
final class Forwarder {

  /**
   * How an attempt ended: {@code status} as the client saw it, and a note for the access log; or, when
   * {@code retry} is set, nothing was sent and another target may be tried ({@code retry} is the answer when
   * there is none; {@code upstreamDown} says the upstream itself, not its key, failed).
   */
  record Outcome(int status, String note, ApiError retry, boolean upstreamDown) {
    Outcome(int status, String note) {
      this(status, note, null, false);
    }

    static Outcome retry(ApiError answer, boolean upstreamDown) {
      return new Outcome(answer.status(), answer.getMessage(), answer, upstreamDown);
    }
  }

  private final UpstreamClient client;
  private final Duration connectTimeout;
  private final Duration idleTimeout;
  private final ResponseTap.Factory taps;
  private final TrustedProxies proxies;

  Forwarder(UpstreamClient client, GatewayConfig config, ResponseTap.Factory taps) {
    this.client = client;
    this.proxies = TrustedProxies.of(config.trustedProxies());
    this.connectTimeout = config.upstreamConnectTimeout();
    this.idleTimeout = config.upstreamIdleTimeout();
    this.taps = taps;
  }

  /**
   * Sends the exchange to {@code exchange.target()}. Called on the exchange's Vert.x context.
   *
   * @return completes when the answer is over; fails with an {@link ApiError} only while nothing has been
   *     sent to the client yet
   */
  Future<Outcome> forward(Exchange exchange) {
    Target target = exchange.target();
    UpstreamConfig upstream = target.upstream();
    HttpServerRequest request = exchange.request();
    ContextInternal context = ContextInternal.current();
    boolean streamBody = exchange.body() == null && ProxyHandler.hasBody(request);
    boolean replayable = !streamBody;
    exchange.translation(OpenAiTranslation.of(exchange));
    exchange.trace().begin(ExchangeTrace.Phase.CONNECT);
    return client.acquire(context, upstream)
        .transform(ar -> {
          exchange.trace().end(ExchangeTrace.Phase.CONNECT, ar.cause());
          if (ar.succeeded()) {
            return send(exchange, context, ar.result(), streamBody);
          }
          // no connection: nothing was sent anywhere, so another upstream may take the request
          ApiError error = UpstreamFailure.before(ar.cause(), upstream, connectTimeout, idleTimeout);
          target.lease().unreachable(UpstreamFailure.detail(ar.cause()));
          return replayable && !exchange.clientGone()
              ? Future.succeededFuture(Outcome.retry(error, true))
              : Future.failedFuture(error);
        });
  }

  /** The request line and headers the upstream gets. */
  private HttpRequest head(Exchange exchange, boolean streamBody) {
    HttpServerRequest request = exchange.request();
    UpstreamConfig upstream = exchange.target().upstream();
    String query = request.query();
    // the canonical path the gateway decided on, re-encoded; the query is the client's (no route reads it)
    String path = exchange.translation() != null ? exchange.translation().path()
        : query == null ? CanonicalPath.encode(exchange.path()) : CanonicalPath.encode(exchange.path()) + "?" + query;
    DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1,
        io.netty.handler.codec.http.HttpMethod.valueOf(request.method().name()),
        upstream.basePath().isEmpty() ? path : upstream.basePath() + path);
    io.netty.handler.codec.http.HttpHeaders headers = head.headers();
    Headers.copyToUpstream(request.headers(), headers);
    Headers.setForwarding(request, proxies, headers);
    boolean defaultPort = upstream.port() == (upstream.ssl() ? 443 : 80);
    headers.set(HttpHeaderNames.HOST, defaultPort ? upstream.host() : upstream.host() + ":" + upstream.port());
    exchange.target().key().ifPresent(key -> headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + key));
    headers.set(io.ollamagateway.api.RequestId.HEADER, exchange.requestId()); // replaces the client's, if any
    exchange.trace().inject(headers);
    if (streamBody && request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      headers.set(HttpHeaderNames.CONTENT_LENGTH, request.getHeader(HttpHeaders.CONTENT_LENGTH));
    }
    return head;
  }

  private Future<Outcome> send(Exchange exchange, ContextInternal context, UpstreamConnection connection,
      boolean streamBody) {
    if (exchange.clientGone()) {
      connection.giveBack(); // unused: the next request may have it
      return Future.succeededFuture(new Outcome(499, "client closed before forwarding"));
    }
    exchange.onCancel(connection::reset);
    HttpServerRequest request = exchange.request();
    exchange.trace().begin(ExchangeTrace.Phase.FIRST_BYTE);
    Future<UpstreamConnection.Answer> response = connection.send(context, head(exchange, streamBody),
        exchange.translation() != null ? exchange.translation().body()
            : exchange.body() == null ? null : exchange.body().bytes(), streamBody ? request : null);
    UpstreamConfig upstream = exchange.target().upstream();
    return response.transform(ar -> {
      exchange.trace().end(ExchangeTrace.Phase.FIRST_BYTE, ar.cause());
      if (ar.succeeded()) {
        return judge(exchange, connection, ar.result(), !streamBody);
      }
      if (exchange.clientGone()) {
        return Future.failedFuture(new ApiError(499, "client closed the connection"));
      }
      ApiError error = UpstreamFailure.before(ar.cause(), upstream, connectTimeout, idleTimeout);
      // a pooled connection the upstream had just closed: try again (on a new connection), not another upstream
      if (!streamBody && connection.staleWhenReused()) {
        return Future.succeededFuture(Outcome.retry(error, false));
      }
      // an alias falls back to its next target when this one times out or breaks before its first byte
      return !streamBody && exchange.alias() != null
          ? Future.succeededFuture(Outcome.retry(error, true))
          : Future.failedFuture(error);
    });
  }

  /**
   * Reports what the upstream said about the key, then relays the answer, or consumes it so that the request can
   * be repeated with another key: after a 429 (the key rests), or a 401/403 that a check of the key alone
   * confirms (the key is disabled). A 401/403 the check does not confirm was about the request (its model, the
   * account) and goes to the client as it came, without trying the other keys.
   */
  private Future<Outcome> judge(Exchange exchange, UpstreamConnection connection, UpstreamConnection.Answer answer,
      boolean replayable) {
    Target target = exchange.target();
    int status = answer.statusCode();
    boolean keyProblem = target.keyIndex() >= 0 && (status == 429 || status == 401 || status == 403);
    if (status < 400) {
      target.lease().succeeded();
    }
    if (!keyProblem && replayable && exchange.alias() != null && (status >= 500 || status == 429)) {
      return fallBack(exchange, answer);
    }
    if (!keyProblem) {
      return relay(exchange, connection, answer);
    }
    Duration retryAfter = RetryAfter.parse(answer.header(HttpHeaders.RETRY_AFTER));
    if (!replayable) {
      if (status == 429) {
        target.lease().rateLimited(retryAfter, "HTTP 429");
      } else {
        target.lease().keyRefused(status, "HTTP " + status); // judged in the background: nothing to repeat
      }
      return relay(exchange, connection, answer);
    }
    String who = "upstream '" + target.upstream().name() + "' key #" + target.keyIndex();
    ContextInternal context = ContextInternal.current();
    return answer.body()
        .recover(err -> Future.failedFuture(UpstreamFailure.before(err, target.upstream(), connectTimeout,
            idleTimeout)))
        .compose(body -> {
          String message = RetryAfter.errorMessage(body);
          if (status == 429) {
            target.lease().rateLimited(retryAfter, message);
            return Future.succeededFuture(Outcome.retry(new ApiError(429, who + " is rate limited: " + message,
                retryAfter == null ? java.util.Map.of()
                    : java.util.Map.of("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())))), false));
          }
          // the check completes on the probe client's event loop: back to the exchange's before answering
          io.vertx.core.Promise<Boolean> verdict = context.promise();
          target.lease().keyRefused(status, message).onComplete(verdict);
          return verdict.future().map(keyBad -> keyBad
              ? Outcome.retry(new ApiError(502, who + " was refused by the upstream (HTTP " + status + ")"), false)
              : relayWhole(exchange, answer, body));
        });
  }

  /**
   * A target of an alias failed (5xx) or is overloaded (429 without a key of ours) before anything reached the
   * client: its answer is read (bounded by the connection's limits) and dropped, and the alias's next target
   * gets the request. When no target is left, the client gets this answer's status and message.
   */
  private Future<Outcome> fallBack(Exchange exchange, UpstreamConnection.Answer answer) {
    Target target = exchange.target();
    int status = answer.statusCode();
    String retryAfter = answer.header(HttpHeaders.RETRY_AFTER);
    return answer.body()
        .recover(err -> Future.failedFuture(UpstreamFailure.before(err, target.upstream(), connectTimeout,
            idleTimeout)))
        .map(body -> Outcome.retry(new ApiError(status, "upstream '" + target.upstream().name() + "' answered HTTP "
            + status + " for model '" + exchange.targetModel() + "': " + RetryAfter.errorMessage(body),
            retryAfter == null ? java.util.Map.of() : java.util.Map.of("Retry-After", retryAfter)), true));
  }

  /**
   * The taps of an answer: the pipeline's (metering reads the upstream's own bytes), then the translation back
   * to Ollama's format for an OpenAI-compatible upstream (which sets the client's content type), then the alias's
   * model rewrite.
   */
  private ResponseTap taps(Exchange exchange, int status, String upstreamType, HttpServerResponse out) {
    ResponseTap tap = taps.open(exchange, status, upstreamType);
    String clientType = upstreamType;
    OpenAiTranslation translation = exchange.translation();
    if (translation != null) {
      tap = translation.wrap(exchange, tap, status, upstreamType);
      clientType = translation.contentType(status == 200 ? upstreamType : null);
      out.headers().set(HttpHeaders.CONTENT_TYPE, clientType);
    }
    return AliasAnswer.wrap(exchange, tap, clientType);
  }

  /** Sends an answer the gateway made ({@link AnswerSource}) through the response taps, as an upstream's. */
  Outcome answerLocally(Exchange exchange, AnswerSource.Local local) {
    HttpServerResponse out = exchange.request().response();
    if (exchange.clientGone() || out.headWritten()) {
      return new Outcome(499, "client closed before the answer");
    }
    out.setStatusCode(200);
    out.headers().set(HttpHeaders.CONTENT_TYPE, local.contentType());
    ResponseTap tap = AliasAnswer.wrap(exchange, taps.open(exchange, 200, local.contentType()), local.contentType());
    exchange.markFirstByte();
    Buffer forward = tap.onChunk(local.body());
    tap.onEnd(null);
    if (forward != null && forward.length() > 0) {
      out.end(forward);
    } else {
      out.end();
    }
    return new Outcome(200, local.note());
  }

  /** Relays an answer whose body was already read (a refusal about the request, after the key check). */
  private Outcome relayWhole(Exchange exchange, UpstreamConnection.Answer answer, Buffer body) {
    int status = answer.statusCode();
    HttpServerResponse out = exchange.request().response();
    if (exchange.clientGone() || out.headWritten()) {
      return new Outcome(499, "client closed before the answer");
    }
    out.setStatusCode(status);
    Headers.copyToClient(answer.headers(), out.headers());
    out.headers().remove(HttpHeaders.CONTENT_LENGTH);
    out.headers().remove(HttpHeaders.TRANSFER_ENCODING);
    ResponseTap tap = taps(exchange, status, answer.header(HttpHeaders.CONTENT_TYPE), out);
    exchange.markFirstByte();
    Buffer forward = body == null ? null : tap.onChunk(body);
    tap.onEnd(null);
    if (forward != null && forward.length() > 0) {
      out.end(forward);
    } else {
      out.end();
    }
    return new Outcome(status, "refused by the upstream; its key checked good");
  }

  private Future<Outcome> relay(Exchange exchange, UpstreamConnection connection, UpstreamConnection.Answer answer) {
    HttpServerResponse out = exchange.request().response();
    int status = answer.statusCode();
    out.setStatusCode(status);
    Headers.copyToClient(answer.headers(), out.headers());
    out.headers().set(io.ollamagateway.api.RequestId.HEADER, exchange.requestId()); // the gateway's, not the upstream's
    ResponseTap tap = taps(exchange, status, answer.header(HttpHeaders.CONTENT_TYPE), out);
    String contentType = out.headers().get(HttpHeaders.CONTENT_TYPE);
    boolean sse = contentType != null && contentType.startsWith("text/event-stream");
    boolean stream = sse || (contentType != null && contentType.startsWith("application/x-ndjson"));
    exchange.trace().begin(ExchangeTrace.Phase.STREAM); // ended when the exchange finishes
    if (!tap.keepsLength() || !out.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      out.headers().remove(HttpHeaders.CONTENT_LENGTH);
      out.setChunked(true);
    }
    var done = io.vertx.core.Promise.<Outcome>promise();
    exchange.onCancel(() -> {
      connection.reset();
      tap.onEnd(new IllegalStateException("client closed the connection"));
      done.tryComplete(new Outcome(499, "client closed mid-answer"));
    });
    answer.handler(chunk -> {
      exchange.markFirstByte();
      Buffer forward = tap.onChunk(chunk);
      if (forward != null && forward.length() > 0) {
        out.write(forward);
        if (out.writeQueueFull()) {
          answer.pause();
          out.drainHandler(v -> answer.resume());
        }
      }
    });
    answer.exceptionHandler(err -> {
      if (exchange.clientGone() || done.future().isComplete()) {
        return;
      }
      exchange.onCancel(null);
      tap.onEnd(err);
      String message = UpstreamFailure.during(err, exchange.target().upstream(), idleTimeout);
      if (stream && !out.ended()) {
        out.end(exchange.endpoint().family().streamError(sse, message, exchange.requestId()));
      } else if (!out.ended()) {
        out.reset();
      }
      done.tryComplete(new Outcome(status, "upstream failed mid-answer: " + message));
    });
    answer.endHandler(last -> {
      if (done.future().isComplete()) {
        return;
      }
      exchange.onCancel(null);
      Buffer forward = null;
      if (last != null) {
        exchange.markFirstByte();
        forward = tap.onChunk(last);
      }
      tap.onEnd(null);
      // a small answer arrives whole: written and ended in one step
      if (forward != null && forward.length() > 0) {
        out.end(forward);
      } else {
        out.end();
      }
      done.tryComplete(new Outcome(status, null));
    });
    return done.future();
  }
}
