package io.ollamagateway.server;

import io.ollamagateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One HTTP server of the main listener on one event loop; {@link Gateway} deploys one per event loop, all on one
 * port. Started on its event loop by Vert.x.
 */
final class ServerVerticle extends VerticleBase {
  private final GatewayConfig config;
  private final Handler<HttpServerRequest> entry;
  private final int listenPort;
  private final Consumer<HttpServer> listening;

  ServerVerticle(GatewayConfig config, Handler<HttpServerRequest> entry, int listenPort,
      Consumer<HttpServer> listening) {
    this.config = config;
    this.entry = entry;
    this.listenPort = listenPort;
    this.listening = listening;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(listenPort)
        .setTcpNoDelay(true)
        .setHandle100ContinueAutomatically(true)
        .setIdleTimeout((int) config.clientIdleTimeout().toSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        // No Ollama route is a WebSocket; with either compression on, Vert.x puts a WebSocket extension
        // handler in every connection's pipeline, which every request and every answer passes through.
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        // HTTP/2 comes by ALPN over TLS; without cleartext h2c detection a connection is HTTP/1.1 from its
        // first byte, so that the head deadline starts when it is accepted
        .setHttp2ClearTextEnabled(false);
    HeadDeadline deadline = new HeadDeadline(config.clientLimits().headerTimeout());
    HttpServer server = vertx.createHttpServer(Tls.apply(config.tls(), options))
        .connectionHandler(deadline::connected)
        .requestHandler(deadline.wrap(entry));
    return server.listen().onSuccess(listening::accept);
  }
}
