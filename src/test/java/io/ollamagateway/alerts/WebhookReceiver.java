package io.ollamagateway.alerts;

import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A webhook endpoint for tests: keeps every POST it gets, and fails the first {@code failFirst} with 500. */
final class WebhookReceiver implements AutoCloseable {

  record Received(MultiMap headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    String type() {
      return json().getString("type");
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger failFirst = new AtomicInteger();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  WebhookReceiver() {
    server = GatewayFixture.await(vertx.createHttpServer().requestHandler(request -> request.body()
        .onSuccess(body -> {
          received.add(new Received(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString()));
          request.response().setStatusCode(failFirst.getAndDecrement() > 0 ? 500 : 204).end();
        })).listen(0, "127.0.0.1"));
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/hooks/gateway?token=t0k3n";
  }

  List<Received> ofType(String type) {
    return received.stream().filter(r -> type.equals(r.type())).toList();
  }

  @Override
  public void close() {
    GatewayFixture.await(vertx.close());
  }
}
