package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.upstream.Target;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
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
 * <p>Runs on the exchange's event loop; holds no per-request state of its own.
 */
final class Forwarder {

  /** How an attempt ended: {@code status} as the client saw it, and a note for the access log. */
  record Outcome(int status, String note) {
  }

  private final HttpClient client;
  private final Duration connectTimeout;
  private final Duration idleTimeout;
  private final ResponseTap.Factory taps;

  Forwarder(HttpClient client, GatewayConfig config, ResponseTap.Factory taps) {
    this.client = client;
    this.connectTimeout = config.upstreamConnectTimeout();
    this.idleTimeout = config.upstreamIdleTimeout();
    this.taps = taps;
  }

  /**
   * Sends the exchange to {@code exchange.target()}.
   *
   * @return completes when the answer is over; fails with an {@link ApiError} only while nothing has been
   *     sent to the client yet
   */
  Future<Outcome> forward(Exchange exchange) {
    Target target = exchange.target();
    UpstreamConfig upstream = target.upstream();
    HttpServerRequest request = exchange.request();
    String query = request.query();
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setHost(upstream.host())
        .setPort(upstream.port())
        .setSsl(upstream.ssl())
        .setURI(upstream.basePath() + exchange.path() + (query == null ? "" : "?" + query))
        .setConnectTimeout(connectTimeout.toMillis())
        .setIdleTimeout(idleTimeout.toMillis());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    Headers.copyToUpstream(request.headers(), headers);
    target.key().ifPresent(key -> headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + key));
    boolean streamBody = exchange.body() == null && ProxyHandler.hasBody(request);
    if (streamBody && request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      headers.set(HttpHeaders.CONTENT_LENGTH, request.getHeader(HttpHeaders.CONTENT_LENGTH));
    }
    options.setHeaders(headers);

    return client.request(options)
        .recover(err -> Future.failedFuture(UpstreamFailure.before(err, upstream, connectTimeout, idleTimeout)))
        .compose(upstreamRequest -> send(exchange, upstreamRequest, streamBody));
  }

  private Future<Outcome> send(Exchange exchange, HttpClientRequest upstreamRequest, boolean streamBody) {
    if (exchange.clientGone()) {
      upstreamRequest.reset();
      return Future.succeededFuture(new Outcome(499, "client closed before forwarding"));
    }
    exchange.onCancel(upstreamRequest::reset);
    Future<HttpClientResponse> response;
    if (exchange.body() != null) {
      response = upstreamRequest.send(exchange.body().bytes());
    } else if (streamBody) {
      response = upstreamRequest.send(exchange.request());
    } else {
      response = upstreamRequest.send();
    }
    UpstreamConfig upstream = exchange.target().upstream();
    return response
        .recover(err -> Future.failedFuture(exchange.clientGone()
            ? new ApiError(499, "client closed the connection")
            : UpstreamFailure.before(err, upstream, connectTimeout, idleTimeout)))
        .compose(upstreamResponse -> relay(exchange, upstreamRequest, upstreamResponse));
  }

  private Future<Outcome> relay(Exchange exchange, HttpClientRequest upstreamRequest, HttpClientResponse answer) {
    HttpServerResponse out = exchange.request().response();
    int status = answer.statusCode();
    out.setStatusCode(status);
    Headers.copyToClient(answer.headers(), out.headers());
    String contentType = answer.getHeader(HttpHeaders.CONTENT_TYPE);
    boolean sse = contentType != null && contentType.startsWith("text/event-stream");
    boolean stream = sse || (contentType != null && contentType.startsWith("application/x-ndjson"));
    ResponseTap tap = taps.open(exchange, status, contentType);
    if (tap != ResponseTap.NONE || !out.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      // A tap may change the body's length, so only an untouched body keeps the upstream's length.
      out.headers().remove(HttpHeaders.CONTENT_LENGTH);
      out.setChunked(true);
    }
    var done = io.vertx.core.Promise.<Outcome>promise();
    exchange.onCancel(() -> {
      upstreamRequest.reset();
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
        out.end(exchange.endpoint().family().streamError(sse, message));
      } else if (!out.ended()) {
        out.reset();
      }
      done.tryComplete(new Outcome(status, "upstream failed mid-answer: " + message));
    });
    answer.endHandler(v -> {
      if (done.future().isComplete()) {
        return;
      }
      exchange.onCancel(null);
      tap.onEnd(null);
      out.end();
      done.tryComplete(new Outcome(status, null));
    });
    return done.future();
  }
}
