import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A throw-away OTLP/HTTP receiver for benchmarks with tracing on: accepts every export (any path), reads and
 * discards its body, answers 200 with an empty protobuf message, and prints how many exports and bytes it got
 * every 10 s. Nothing is decoded or kept, so it costs the measured gateway nothing but the export itself.
 *
 * <p>Run with the gateway jar on the classpath (single-file source launch):
 * <pre>java -cp target/ollama-gateway.jar bench/OtlpSink.java PORT</pre>
 * It listens on 127.0.0.1 until it is killed.
 */
public final class OtlpSink {

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    AtomicLong exports = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    vertx.createHttpServer()
        .requestHandler(request -> request.body().onComplete(body -> {
          exports.incrementAndGet();
          if (body.succeeded()) {
            bytes.addAndGet(body.result().length());
          }
          request.response().putHeader("Content-Type", "application/x-protobuf").end();
        }))
        .listen(port, "127.0.0.1")
        .onSuccess(server -> System.out.println("OTLP sink on 127.0.0.1:" + server.actualPort()))
        .onFailure(err -> {
          err.printStackTrace();
          System.exit(1);
        });
    vertx.setPeriodic(10_000, t -> System.out.println("exports " + exports.get() + ", bytes " + bytes.get()));
  }
}
