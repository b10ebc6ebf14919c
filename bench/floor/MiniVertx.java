// The floor of a proxy built on Vert.x alone: its HttpServer and HttpClient, headers copied, bodies piped, no
// gateway logic. bench/floor.sh measures it beside nginx: what no Vert.x-based gateway can go below.
// java -cp target/ollama-gateway.jar bench/floor/MiniVertx.java PORT UPSTREAM_PORT
import io.vertx.core.*;
import io.vertx.core.http.*;
import io.vertx.core.buffer.Buffer;

public class MiniVertx {
  public static void main(String[] a) {
    int port = Integer.parseInt(a[0]); int up = Integer.parseInt(a[1]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setPreferNativeTransport(true));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(1000));
    for (int i = 0; i < 2; i++) {
      vertx.deployVerticle(new VerticleBase() {
        public Future<?> start() {
          return vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true)
              .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false)) // as the gateway
            .requestHandler(req -> {
              req.pause();
              RequestOptions o = new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(up).setURI(req.uri());
              MultiMap h = HttpHeaders.headers();
              if (req.getHeader("content-type") != null) h.set("content-type", req.getHeader("content-type"));
              String cl = req.getHeader("content-length"); if (cl != null) h.set("content-length", cl);
              o.setHeaders(h);
              client.request(o).onSuccess(creq -> {
                creq.send(req).onSuccess(cresp -> {
                  HttpServerResponse out = req.response();
                  out.setStatusCode(cresp.statusCode());
                  out.headers().addAll(cresp.headers());
                  out.send(cresp);
                }).onFailure(e -> req.response().setStatusCode(502).end());
              }).onFailure(e -> req.response().setStatusCode(502).end());
            }).listen();
        }
      });
    }
    System.out.println("vert.x mini proxy on " + port);
  }
}
