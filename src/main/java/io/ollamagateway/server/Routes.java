package io.ollamagateway.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The gateway's one route table: every route it answers, in the order they are mounted, and on which listener.
 * Both listeners (the main port and {@code ADMIN_PORT}) are built from it, so an entry is written once whatever
 * the deployment. Order matters: the first matching route answers (the console's session check must come
 * before anything under {@code /admin/api}, the admin API's sub-router after the routes that share its prefix,
 * the proxy last). The proxied endpoints themselves are the other half of the table,
 * {@link io.ollamagateway.proxy.Endpoint}.
 *
 * <p>The main listener's fast path ({@link #entry}) is derived from this table: a request under {@code /api/}
 * or {@code /v1/} skips the router only when no entry claims its path. Immutable; built at start-up.
 */
final class Routes {

  /** Which listeners serve an entry. */
  enum Side {
    /** Every listener. */
    EVERY,
    /** The main listener only (the proxy, status, statistics). */
    MAIN,
    /** Where the admin API is served: the admin listener when {@code ADMIN_PORT} is set, else the main one. */
    ADMIN,
    /** A separate admin listener only: paths that are Ollama's own on the main port. */
    ADMIN_PORT
  }

  /** One named group of routes, mounted together. */
  record Entry(String name, Side side, Consumer<Router> mount) {
  }

  private final List<Entry> entries;

  Routes(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  List<Entry> entries() {
    return entries;
  }

  /**
   * A router of one listener.
   *
   * @param admin whether it is the separate admin listener
   * @param ownAdminListener whether there is a separate admin listener ({@code ADMIN_PORT})
   */
  Router router(Vertx vertx, boolean admin, boolean ownAdminListener) {
    Router router = Router.router(vertx);
    for (Entry entry : entries) {
      boolean here = switch (entry.side()) {
        case EVERY -> true;
        case MAIN -> !admin;
        case ADMIN -> admin == ownAdminListener;
        case ADMIN_PORT -> admin && ownAdminListener;
      };
      if (here) {
        entry.mount().accept(router);
      }
    }
    return router;
  }

  /**
   * The main listener's request handler. Proxied calls skip the router (its matching and context cost a few
   * microseconds a request) unless a browser sent them (CORS is the router's work) or a route of the table
   * claims the path.
   */
  static Handler<HttpServerRequest> entry(Router router, Handler<HttpServerRequest> proxy) {
    List<String> exact = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      if (route.isRegexPath() && path == null) {
        prefixes.add("/"); // a pattern the table cannot read: every request goes through the router
      } else if (path != null && proxied(path)) {
        int param = path.indexOf(':');
        if (param >= 0) {
          prefixes.add(path.substring(0, param));
        } else if (route.isExactPath()) {
          exact.add(path);
        } else {
          prefixes.add(path);
        }
      }
    }
    List<String> own = List.copyOf(exact);
    List<String> ownPrefixes = List.copyOf(prefixes);
    return request -> {
      String path = request.path();
      if (proxied(path) && !own.contains(path) && !startsWithAny(path, ownPrefixes)
          && !request.headers().contains(HttpHeaders.ORIGIN)) {
        proxy.handle(request);
      } else {
        router.handle(request);
      }
    };
  }

  private static boolean proxied(String path) {
    return path.startsWith("/api/") || path.startsWith("/v1/");
  }

  private static boolean startsWithAny(String path, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (path.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
