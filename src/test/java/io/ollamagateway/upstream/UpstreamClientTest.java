package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContextBuilder;
import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.SelfSigned;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream client on its own, against small Vert.x servers: pooling and its cap, answers that close the
 * connection, a socket lost before it connected, TLS with host name verification.
 */
class UpstreamClientTest {

  private Vertx vertx;
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final Set<HttpConnection> closed = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private HttpServer server(HttpServerOptions options) throws Exception {
    return vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0)).requestHandler(request -> {
      if (connections.add(request.connection())) {
        request.connection().closeHandler(v -> closed.add(request.connection()));
      }
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      vertx.setTimer(request.path().equals("/slow") ? 100 : 1, t -> {
        inFlight.decrementAndGet();
        if (request.path().equals("/close")) {
          request.response().putHeader("Connection", "close");
        }
        request.response().end("answer to " + request.path());
      });
    }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Sends GET {@code path} through the client from an event loop and returns the body. */
  private static Future<String> get(Vertx vertx, UpstreamClient client, UpstreamConfig upstream, String path) {
    Promise<String> body = Promise.promise();
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    context.runOnContext(v -> {
      DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
      request.headers().set("host", upstream.host());
      client.acquire(context, upstream)
          .compose(connection -> connection.send(context, request, null, null))
          .compose(UpstreamConnection.Answer::body)
          .map(buffer -> buffer.toString())
          .onComplete(body);
    });
    return body.future();
  }

  private static List<String> all(List<Future<String>> answers) throws Exception {
    Future.all(answers).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return answers.stream().map(Future::result).toList();
  }

  @Test
  void reusesConnectionsAndNeverOpensMoreThanItsCap() throws Exception {
    HttpServer server = server(new HttpServerOptions());
    UpstreamConfig upstream = new UpstreamConfig("u", false, "127.0.0.1", server.actualPort(), "", List.of());
    UpstreamClient client = new UpstreamClient(vertx, Duration.ofSeconds(5), Duration.ofSeconds(10), 2);
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(get(vertx, client, upstream, "/slow"));
    }
    assertThat(all(answers)).containsOnly("answer to /slow").hasSize(8);
    assertThat(maxInFlight.get()).isEqualTo(2); // the other six waited for a connection
    assertThat(connections).hasSize(2);

    assertThat(all(List.of(get(vertx, client, upstream, "/again")))).containsExactly("answer to /again");
    assertThat(connections).hasSize(2); // an idle connection was reused
  }

  @Test
  void closesConnectionsIdleForTheKeepAliveTimeAndNoSooner() throws Exception {
    HttpServer server = server(new HttpServerOptions());
    UpstreamConfig upstream = new UpstreamConfig("u", false, "127.0.0.1", server.actualPort(), "", List.of());
    UpstreamClient client = new UpstreamClient(vertx, Duration.ofSeconds(5), Duration.ofSeconds(10), 1,
        SslContextBuilder.forClient().build(), Duration.ofMillis(1000));
    long start = System.nanoTime();
    assertThat(all(List.of(get(vertx, client, upstream, "/first")))).containsExactly("answer to /first");
    Thread.sleep(600);
    assertThat(all(List.of(get(vertx, client, upstream, "/second")))).containsExactly("answer to /second");
    // the pool's timer fires about 1 s after the first release and finds the connection used since
    Thread.sleep(Math.max(0, 1_300 - (System.nanoTime() - start) / 1_000_000));
    assertThat(connections).hasSize(1);
    assertThat(closed).isEmpty();

    GatewayFixture.eventually(Duration.ofSeconds(5), () -> !closed.isEmpty());
    assertThat(closed).hasSize(1); // idle 1 s after the second request
    assertThat(all(List.of(get(vertx, client, upstream, "/third")))).containsExactly("answer to /third");
    assertThat(connections).hasSize(2); // a new connection for the next request
  }

  @Test
  void answersThatCloseTheConnectionAreNotReused() throws Exception {
    HttpServer server = server(new HttpServerOptions());
    UpstreamConfig upstream = new UpstreamConfig("u", false, "127.0.0.1", server.actualPort(), "", List.of());
    UpstreamClient client = new UpstreamClient(vertx, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    for (int i = 0; i < 3; i++) {
      assertThat(all(List.of(get(vertx, client, upstream, "/close")))).containsExactly("answer to /close");
    }
    assertThat(connections).hasSize(3);
  }

  @Test
  void aSocketClosedOnThisSideBeforeItConnectedIsReplacedByAnother() throws Exception {
    HttpServer server = server(new HttpServerOptions());
    UpstreamConfig upstream = new UpstreamConfig("u", false, "127.0.0.1", server.actualPort(), "", List.of());
    ChannelFactory<? extends Channel> sockets = ((VertxInternal) vertx).transport().channelFactory(false);
    AtomicInteger made = new AtomicInteger();
    // what epoll does to a new socket that inherits the pending event of a closed one with the same number: it
    // is closed once registered, before it connects (bench/soak.sh saw it a few times a minute)
    ChannelFactory<Channel> firstClosed = () -> {
      Channel channel = sockets.newChannel();
      if (made.incrementAndGet() == 1) {
        channel.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRegistered(ChannelHandlerContext ctx) {
            ctx.close();
          }
        });
      }
      return channel;
    };
    UpstreamClient client = new UpstreamClient(vertx, Duration.ofSeconds(5), Duration.ofSeconds(10), 1,
        () -> null, UpstreamClient.KEEP_ALIVE, firstClosed);

    assertThat(all(List.of(get(vertx, client, upstream, "/first")))).containsExactly("answer to /first");
    assertThat(made).hasValue(2);
    assertThat(all(List.of(get(vertx, client, upstream, "/second")))).containsExactly("answer to /second");
    assertThat(connections).hasSize(1); // the one that replaced it, counted once and reused
  }

  @Test
  void speaksTlsAndChecksTheUpstreamsName(@TempDir Path dir) throws Exception {
    SelfSigned certificate = SelfSigned.create(dir);
    HttpServer server = server(new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(certificate.cert().toString()).setKeyPath(certificate.key().toString())));
    UpstreamClient trusting = new UpstreamClient(vertx, Duration.ofSeconds(5), Duration.ofSeconds(10), 4,
        SslContextBuilder.forClient().trustManager(certificate.cert().toFile()).build());
    UpstreamConfig byName = new UpstreamConfig("u", true, "localhost", server.actualPort(), "", List.of());
    assertThat(all(List.of(get(vertx, trusting, byName, "/tls")))).containsExactly("answer to /tls");

    // the certificate names localhost and 127.0.0.1, not 127.0.0.2 (which reaches the same server on Linux)
    HttpServer anyAddress = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("0.0.0.0")
            .setPort(0).setKeyCertOptions(new PemKeyCertOptions().setCertPath(certificate.cert().toString())
                .setKeyPath(certificate.key().toString())))
        .requestHandler(request -> request.response().end("should not be reached"))
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    UpstreamConfig wrongName = new UpstreamConfig("u", true, "127.0.0.2", anyAddress.actualPort(), "", List.of());
    Future<String> refused = get(vertx, trusting, wrongName, "/tls");
    assertThat(refused.toCompletionStage().toCompletableFuture().handle((ok, err) -> err)
        .get(10, TimeUnit.SECONDS)).isNotNull();

    UpstreamClient jvmTrust = new UpstreamClient(vertx, Duration.ofSeconds(5), Duration.ofSeconds(10), 4);
    Future<String> untrusted = get(vertx, jvmTrust, byName, "/tls");
    assertThat(untrusted.toCompletionStage().toCompletableFuture().handle((ok, err) -> err)
        .get(10, TimeUnit.SECONDS)).isNotNull();
  }
}
