package io.ollamagateway.auth;

import io.ollamagateway.api.ApiError;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling an admin route: the principal a web console session established for this request (see
 * {@code io.ollamagateway.ui.WebConsole}), or else the one its headers' credentials give. Only server code can
 * attach a principal to a request, so a client cannot pretend to have a session. Stateless; event loops.
 *
 * <p>{@link #requireAdmin} is the one admin guard: every admin route (admin API, usage, upstreams, alerts,
 * metrics, the quota proxy's routes) asks it, and writes its failure in its own API's shape.
 */
public final class RequestAuth {

  private static final String PRINCIPAL = "io.ollamagateway.session-principal";

  private RequestAuth() {
  }

  /** Records that the request was authenticated by a console session as {@code principal}. */
  public static void attach(RoutingContext ctx, Principal principal) {
    ctx.put(PRINCIPAL, principal);
  }

  /** The attached session principal, or the result of authenticating the request's credentials. */
  public static Future<Principal> authenticate(RoutingContext ctx, Authenticator authenticator) {
    Principal session = ctx.get(PRINCIPAL);
    return session != null ? Future.succeededFuture(session)
        : authenticator.authenticate(ctx.request());
  }

  /**
   * The caller when it is an admin; otherwise a failed future: the authenticator's {@link ApiError} (401, 429...),
   * a 403 with {@code forbidden} for a caller who is not an admin, or the unexpected failure as it came.
   */
  public static Future<Principal> requireAdmin(RoutingContext ctx, Authenticator authenticator, String forbidden) {
    return authenticate(ctx, authenticator).compose(principal -> requireAdmin(principal, forbidden));
  }

  /** {@code principal} when it is an admin, else a 403 {@link ApiError} with {@code forbidden}. */
  public static Future<Principal> requireAdmin(Principal principal, String forbidden) {
    return principal.isAdmin() ? Future.succeededFuture(principal)
        : Future.failedFuture(ApiError.forbidden(forbidden));
  }
}
