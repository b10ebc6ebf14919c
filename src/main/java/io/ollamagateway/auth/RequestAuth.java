package io.ollamagateway.auth;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling an admin route: the principal a web console session established for this request (see
 * {@code io.ollamagateway.ui.WebConsole}), or else the one its headers' credentials give. Only server code can
 * attach a principal to a request, so a client cannot pretend to have a session. Stateless; event loops.
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
}
