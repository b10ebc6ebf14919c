package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.routing.AliasTable;
import io.ollamagateway.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream part of the admin API, self-contained so that the admin router can mount it:
 * {@code GET /admin/api/aliases} (the model aliases in force, as the config file's {@code aliases:} gave them),
 * {@code GET /admin/api/upstreams} (each upstream and key, by display prefix only, with health, in-flight,
 * queue, cooldown and last error) and {@code POST /admin/api/reload} (re-reads the configuration the way
 * start-up does and swaps the upstreams; running requests finish where they are). Both need an admin
 * principal ({@link io.ollamagateway.auth.Principal#isAdmin()}); errors are in Ollama's native shape.
 * Runs on event loops; the reload reads files on a worker.
 */
public final class UpstreamRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamRoutes.class);

  private final Authenticator authenticator;
  private final UpstreamRegistry registry;
  private final Supplier<Future<Void>> reload;
  private final AliasTable aliases;

  /**
   * @param reload re-reads the configuration and reloads the registry; its failure message is shown to the
   *     admin (it is a config error message, which never carries secrets)
   */
  public UpstreamRoutes(Authenticator authenticator, UpstreamRegistry registry, Supplier<Future<Void>> reload,
      AliasTable aliases) {
    this.aliases = aliases;
    this.authenticator = authenticator;
    this.registry = registry;
    this.reload = reload;
  }

  /** Mounts the two routes on a router whose paths start at the server root. */
  public void mount(Router router) {
    router.get("/admin/api/upstreams").handler(this::upstreams);
    router.post("/admin/api/reload").handler(this::reload);
    router.get("/admin/api/aliases").handler(this::aliases);
  }

  void aliases(RoutingContext context) {
    admin(context).onSuccess(v -> json(context, 200, aliases.get().toJson()));
  }

  void upstreams(RoutingContext context) {
    admin(context).onSuccess(v -> json(context, 200, registry.toJson()));
  }

  void reload(RoutingContext context) {
    admin(context).onSuccess(v -> reload.get().onComplete(ar -> {
      if (ar.succeeded()) {
        json(context, 200, new JsonObject().put("status", "reloaded").mergeIn(registry.toJson())
            .mergeIn(aliases.get().toJson()));
      } else {
        LOG.warn("reload refused: {}", ar.cause().getMessage());
        Answers.error(context.response(), ApiFamily.NATIVE, ar.cause() instanceof ApiError e ? e
            : new ApiError(400, "reload refused, the running configuration is kept: " + ar.cause().getMessage()));
      }
    }));
  }

  private Future<Void> admin(RoutingContext context) {
    return RequestAuth.requireAdmin(context, authenticator, "this route needs an admin").<Void>mapEmpty()
        .onFailure(err -> Answers.failure(context.response(), ApiFamily.NATIVE, err));
  }

  private static void json(RoutingContext context, int status, JsonObject body) {
    Answers.json(context.response(), status, body);
  }
}
