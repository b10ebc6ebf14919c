// The floor of the gateway's present design: Vert.x's HttpServer towards clients, a Netty channel pool on the
// same event loop towards the upstream (what proxy/UpstreamClient does), no gateway logic. Not production code:
// no timeouts, no error handling beyond 502.
// java -cp target/ollama-gateway.jar bench/floor/MiniHybrid.java PORT UPSTREAM_PORT
import io.vertx.core.*;
import io.vertx.core.http.HttpServerOptions; import io.vertx.core.http.HttpServerRequest; import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.*;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.*;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

public class MiniHybrid {
  static InetSocketAddress UP;
  static final ThreadLocal<ArrayDeque<Channel>> POOL = ThreadLocal.withInitial(ArrayDeque::new);
  public static void main(String[] a) {
    int port = Integer.parseInt(a[0]); UP = new InetSocketAddress("127.0.0.1", Integer.parseInt(a[1]));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setPreferNativeTransport(true));
    for (int i = 0; i < 2; i++) {
      vertx.deployVerticle(new VerticleBase() {
        public Future<?> start() {
          return vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true)
              .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false)) // as the gateway
            .requestHandler(req -> req.body().onSuccess(body -> {
              EventLoop loop = ((ContextInternal) context).nettyEventLoop();
              DefaultFullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
                  io.netty.handler.codec.http.HttpMethod.valueOf(req.method().name()), req.uri(), Unpooled.wrappedBuffer(body.getBytes()));
              String ct = req.getHeader("content-type"); if (ct != null) out.headers().set("content-type", ct);
              out.headers().set("host", "127.0.0.1:" + UP.getPort());
              out.headers().set("content-length", body.length());
              Channel ch = POOL.get().pollFirst();
              if (ch != null && ch.isActive()) { ch.pipeline().get(Back.class).req = req; ch.writeAndFlush(out); }
              else new Bootstrap().group(loop).channel(EpollSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() { protected void initChannel(SocketChannel c) {
                  c.pipeline().addLast(new HttpClientCodec(), new Back()); } })
                .connect(UP).addListener((ChannelFutureListener) f -> {
                  if (!f.isSuccess()) { req.response().setStatusCode(502).end(); return; }
                  f.channel().pipeline().get(Back.class).req = req; f.channel().writeAndFlush(out); });
            })).listen();
        }
      });
    }
  }
  static final class Back extends ChannelInboundHandlerAdapter {
    HttpServerRequest req;
    @Override public void channelInactive(ChannelHandlerContext ctx) {
      if (req != null && !req.response().ended()) req.response().setStatusCode(502).end();
      req = null;
    }
    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      HttpServerResponse out = req.response();
      if (msg instanceof HttpResponse r) {
        out.setStatusCode(r.status().code());
        for (var e : r.headers()) out.headers().add(e.getKey(), e.getValue());
      }
      if (msg instanceof HttpContent c) {
        ByteBuf b = c.content();
        if (msg instanceof LastHttpContent) {
          if (b.isReadable()) out.end(BufferInternal.safeBuffer(b)); else { b.release(); out.end(); }
          req = null; POOL.get().addFirst(ctx.channel());
        } else if (b.isReadable()) out.write(BufferInternal.safeBuffer(b)); else b.release();
      }
    }
  }
}
