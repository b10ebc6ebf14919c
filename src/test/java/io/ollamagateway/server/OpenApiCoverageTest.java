package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every route the gateway answers itself (the admin API, usage, upstreams, alerts, status, metrics, the quota
 * proxy's API...) is in {@code /openapi.json} with its method: a route added without its documentation fails
 * here. The web console's pages and the API documents' own assets are not API and are left out.
 */
class OpenApiCoverageTest {

  /** Paths that are pages or static assets, not API. */
  private static final Set<String> NOT_API = Set.of("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css",
      "/redoc/redoc.standalone.js");

  @Test
  void everyOwnRouteIsDocumentedWithItsMethod() {
    try (GatewayFixture fx = GatewayFixture.start()) {
      JsonObject paths = new JsonObject(fx.get("/openapi.json").body()).getJsonObject("paths");
      List<String> routes = new ArrayList<>();
      collect(fx.gateway().ownRoutes(false), "", routes);
      collect(fx.gateway().ownRoutes(true), "", routes);
      assertThat(routes).as("routes found").hasSizeGreaterThan(40)
          .contains("GET /admin/api/users", "POST /admin/api/reload", "PUT /api/quotas/{user_id}");
      List<String> undocumented = routes.stream().distinct().filter(route -> {
        String[] methodAndPath = route.split(" ", 2);
        JsonObject item = paths.getJsonObject(methodAndPath[1]);
        return item == null || !item.containsKey(methodAndPath[0].toLowerCase(Locale.ROOT));
      }).toList();
      assertThat(undocumented).as("routes missing from openapi.json").isEmpty();
    }
  }

  /** "METHOD /path/{param}" for each route with a fixed path and methods, sub-routers included. */
  private static void collect(Router router, String prefix, List<String> out) {
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      if (path == null) {
        continue; // handlers for every path: request id, CORS, body limits
      }
      String full = (prefix + path).replaceAll(":([A-Za-z_]+)", "{$1}");
      if (route.getSubRouter() != null) {
        collect(route.getSubRouter(), full.endsWith("/") ? full.substring(0, full.length() - 1) : full, out);
        continue;
      }
      if (NOT_API.contains(full) || full.startsWith("/ui") || route.methods() == null || route.methods().isEmpty()) {
        continue;
      }
      for (HttpMethod method : route.methods()) {
        out.add(method.name() + " " + full);
      }
    }
  }
}
