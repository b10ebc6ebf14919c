package io.ollamagateway.api;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one way the gateway answers a request itself: a JSON body with its content type, or an error in the shape
 * of the API that was called ({@link ApiFamily}) with the request's id. Every route that writes its own answer
 * (the admin API, the console, usage, upstreams, alerts, status, the proxy's refusals) uses these. Stateless;
 * call on the response's event loop.
 */
public final class Answers {

  /** The content type of every JSON answer. */
  public static final String JSON = "application/json; charset=utf-8";

  private Answers() {
  }

  /** Ends {@code out} with {@code status} and a JSON body. */
  public static Future<Void> json(HttpServerResponse out, int status, Buffer body) {
    return out.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }

  public static Future<Void> json(HttpServerResponse out, int status, JsonObject body) {
    return json(out, status, body.toBuffer());
  }

  public static Future<Void> json(HttpServerResponse out, int status, JsonArray body) {
    return json(out, status, body.toBuffer());
  }

  /**
   * Writes an error answer in the shape of the called API, with its headers ({@code WWW-Authenticate},
   * {@code Retry-After}...) and the request's id ({@link RequestId}) when the response has one.
   */
  public static Future<Void> error(HttpServerResponse out, ApiFamily family, ApiError error) {
    out.setStatusCode(error.status());
    error.headers().forEach(out::putHeader);
    out.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    return out.end(family.errorBody(error.status(), error.getMessage(), RequestId.of(out)));
  }

  /** {@link #error(HttpServerResponse, ApiFamily, ApiError)} for a failure: an {@link ApiError} as it is, anything
   * else as a 500 that names nothing internal (the caller logs the cause). */
  public static Future<Void> failure(HttpServerResponse out, ApiFamily family, Throwable err) {
    return error(out, family, err instanceof ApiError e ? e : new ApiError(500, "internal gateway error"));
  }
}
