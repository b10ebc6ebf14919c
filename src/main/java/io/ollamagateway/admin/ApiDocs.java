package io.ollamagateway.admin;

import io.ollamagateway.api.Answers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The gateway's API described: the hand-written OpenAPI 3 document at {@code /openapi.json}, Swagger UI at
 * {@code /docs} and ReDoc at {@code /redoc}, both served from their webjars so that no internet is needed.
 * The few files (3 MB) are read from the class path on their first request, on a worker, then served from
 * memory on event loops; construction only checks that the jar has them (start-up thread).
 */
final class ApiDocs {

  private static final String SWAGGER = "META-INF/resources/webjars/swagger-ui/";
  private static final String REDOC = "META-INF/resources/webjars/redoc/";

  private final ClasspathResources.Lazy openApi;
  private final ClasspathResources.Lazy swaggerJs;
  private final ClasspathResources.Lazy swaggerCss;
  private final ClasspathResources.Lazy redocJs;

  ApiDocs() {
    openApi = new ClasspathResources.Lazy("io/ollamagateway/admin/openapi.json");
    String swaggerVersion = ClasspathResources.webjarVersion("org.webjars", "swagger-ui");
    String redocVersion = ClasspathResources.webjarVersion("org.webjars", "redoc");
    swaggerJs = new ClasspathResources.Lazy(SWAGGER + swaggerVersion + "/swagger-ui-bundle.js");
    swaggerCss = new ClasspathResources.Lazy(SWAGGER + swaggerVersion + "/swagger-ui.css");
    redocJs = new ClasspathResources.Lazy(REDOC + redocVersion + "/redoc.standalone.js");
  }

  void mount(Router router) {
    router.get("/openapi.json").handler(ctx -> send(ctx, Answers.JSON, openApi));
    router.get("/docs").handler(ctx -> send(ctx, "text/html; charset=utf-8", Buffer.buffer("""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Ollama Gateway API</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css"></head>
        <body><div id="swagger-ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script>window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'});</script>
        </body></html>
        """)));
    router.get("/docs/swagger-ui-bundle.js").handler(ctx -> send(ctx, "text/javascript", swaggerJs));
    router.get("/docs/swagger-ui.css").handler(ctx -> send(ctx, "text/css", swaggerCss));
    router.get("/redoc").handler(ctx -> send(ctx, "text/html; charset=utf-8", Buffer.buffer("""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Ollama Gateway API</title></head>
        <body><redoc spec-url="/openapi.json"></redoc>
        <script src="/redoc/redoc.standalone.js"></script>
        </body></html>
        """)));
    router.get("/redoc/redoc.standalone.js").handler(ctx -> send(ctx, "text/javascript", redocJs));
  }

  private static void send(RoutingContext ctx, String type, Buffer body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type).end(body);
  }

  /** Sends a file, read first on a worker if this is its first request. */
  private static void send(RoutingContext ctx, String type, ClasspathResources.Lazy file) {
    Buffer body = file.ifLoaded();
    if (body != null) {
      send(ctx, type, body);
      return;
    }
    ctx.vertx().executeBlocking(file::load, false).onComplete(read -> {
      if (read.succeeded()) {
        send(ctx, type, read.result());
      } else {
        ctx.fail(read.cause());
      }
    });
  }
}
