package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The route table: each entry on the listeners its side names, and the main listener's fast path derived from
 * it, so that a route the gateway answers itself under {@code /api/} is never proxied.
 */
class RoutesTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Routes.Entry answering(String name, Routes.Side side, String path) {
    return new Routes.Entry(name, side, router -> router.get(path).handler(ctx -> ctx.response().end(name)));
  }

  private final Routes routes = new Routes(List.of(
      answering("every", Routes.Side.EVERY, "/every"),
      answering("main", Routes.Side.MAIN, "/main"),
      answering("admin", Routes.Side.ADMIN, "/admin"),
      answering("admin-port", Routes.Side.ADMIN_PORT, "/admin-port"),
      answering("own", Routes.Side.MAIN, "/api/own"),
      answering("own-param", Routes.Side.MAIN, "/v1/things/:id")));

  @Test
  void eachEntryIsOnTheListenersItsSideNames() throws Exception {
    assertThat(paths(routes.router(vertx, false, false))).containsExactly("/every", "/main", "/admin", "/api/own",
        "/v1/things/:id");
    assertThat(paths(routes.router(vertx, false, true))).containsExactly("/every", "/main", "/api/own",
        "/v1/things/:id");
    assertThat(paths(routes.router(vertx, true, true))).containsExactly("/every", "/admin", "/admin-port");
  }

  @Test
  void theFastPathProxiesOnlyWhatNoEntryClaims() throws Exception {
    Router router = routes.router(vertx, false, false);
    HttpServer server = vertx.createHttpServer()
        .requestHandler(Routes.entry(router, request -> request.response().end("proxied")))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    assertThat(get(client, server, "/api/own", false)).isEqualTo("own");
    assertThat(get(client, server, "/v1/things/7", false)).isEqualTo("own-param");
    assertThat(get(client, server, "/api/chat", false)).isEqualTo("proxied");
    assertThat(get(client, server, "/v1/chat/completions", false)).isEqualTo("proxied");
    // a browser's call goes through the router (where CORS is), which here has no proxy behind it
    assertThat(get(client, server, "/api/chat", true)).isEqualTo("404");
  }

  private static List<String> paths(Router router) {
    return router.getRoutes().stream().map(r -> r.getPath()).toList();
  }

  private static String get(HttpClient client, HttpServer server, String path, boolean origin) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(server.actualPort()).setURI(path);
    if (origin) {
      options.putHeader("Origin", "http://example.com");
    }
    return client.request(options).compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() == 200 ? body.toString()
            : String.valueOf(response.statusCode())))
        .await(10, TimeUnit.SECONDS);
  }
}
