package io.ollamagateway.admin;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The gateway's API described: the hand-written OpenAPI 3 document at {@code /openapi.json}, Swagger UI at
 * {@code /docs} and ReDoc at {@code /redoc}, both served from their webjars so that no internet is needed.
 * The few files are read from the class path once, at construction (blocking; start-up thread), then served
 * from memory on event loops.
 */
final class ApiDocs {

  private static final String SWAGGER = "META-INF/resources/webjars/swagger-ui/";
  private static final String REDOC = "META-INF/resources/webjars/redoc/";

  private final Buffer openApi;
  private final Buffer swaggerJs;
  private final Buffer swaggerCss;
  private final Buffer redocJs;

  ApiDocs(Vertx vertx) {
    openApi = resource("io/ollamagateway/admin/openapi.json");
    String swaggerVersion = webjarVersion("swagger-ui");
    String redocVersion = webjarVersion("redoc");
    swaggerJs = resource(SWAGGER + swaggerVersion + "/swagger-ui-bundle.js");
    swaggerCss = resource(SWAGGER + swaggerVersion + "/swagger-ui.css");
    redocJs = resource(REDOC + redocVersion + "/redoc.standalone.js");
  }

  void mount(Router router) {
    router.get("/openapi.json").handler(ctx -> send(ctx, "application/json; charset=utf-8", openApi));
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

  private static String webjarVersion(String artifact) {
    Properties properties = new Properties();
    try (InputStream in = open("META-INF/maven/org.webjars/" + artifact + "/pom.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }

  private static Buffer resource(String path) {
    try (InputStream in = open(path)) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String path) throws IOException {
    InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IOException("missing class path resource " + path);
    }
    return in;
  }
}
