// The floor of a proxy on Netty alone (HTTP codecs both ways, a channel pool per event loop), no gateway logic.
// Not production code: no timeouts, no error handling.
// java -cp target/ollama-gateway.jar bench/floor/MiniNetty.java PORT UPSTREAM_PORT
import io.netty.bootstrap.*;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.*;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

public class MiniNetty {
  static InetSocketAddress UP;
  public static void main(String[] a) throws Exception {
    int port = Integer.parseInt(a[0]); UP = new InetSocketAddress("127.0.0.1", Integer.parseInt(a[1]));
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
      .childOption(ChannelOption.TCP_NODELAY, true)
      .childHandler(new ChannelInitializer<SocketChannel>() {
        protected void initChannel(SocketChannel ch) { ch.pipeline().addLast(new HttpServerCodec(), new Front()); }
      }).bind("127.0.0.1", port).sync();
    System.out.println("netty mini on " + port);
  }
  static final ThreadLocal<ArrayDeque<Channel>> POOL = ThreadLocal.withInitial(ArrayDeque::new);

  static final class Front extends ChannelInboundHandlerAdapter {
    Channel back; ChannelHandlerContext ctx; java.util.List<Object> pending;
    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      this.ctx = ctx;
      if (msg instanceof HttpRequest req) {
        req.headers().remove(HttpHeaderNames.AUTHORIZATION);
        req.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + UP.getPort());
        ctx.channel().config().setAutoRead(false);
        Channel pooled = POOL.get().pollFirst();
        if (pooled != null && pooled.isActive()) { attach(pooled); pooled.write(msg); }
        else {
          pending = new java.util.ArrayList<>(); pending.add(msg);
          new Bootstrap().group(ctx.channel().eventLoop()).channel(EpollSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(new ChannelInitializer<SocketChannel>() {
              protected void initChannel(SocketChannel ch) { ch.pipeline().addLast(new HttpClientCodec(), new Back()); }
            }).connect(UP).addListener((ChannelFutureListener) f -> {
              if (!f.isSuccess()) { ctx.close(); return; }
              attach(f.channel()); for (Object m : pending) f.channel().write(m); pending = null;
              f.channel().flush();
            });
          return;
        }
        if (msg instanceof LastHttpContent) back.flush();
      } else if (msg instanceof HttpContent) {
        if (back == null) { pending.add(msg); return; }
        back.write(msg);
        if (msg instanceof LastHttpContent) back.flush();
      }
    }
    void attach(Channel ch) { back = ch; ch.pipeline().get(Back.class).front = this; }
    void done() { Channel b = back; back = null; POOL.get().addFirst(b); ctx.channel().config().setAutoRead(true); ctx.read(); }
  }
  static final class Back extends ChannelInboundHandlerAdapter {
    Front front;
    @Override public void channelInactive(ChannelHandlerContext ctx) { if (front != null) front.ctx.close(); }
    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Front f = front;
      if (msg instanceof LastHttpContent) { f.ctx.writeAndFlush(msg); front = null; f.done(); }
      else f.ctx.write(msg);
    }
    @Override public void channelReadComplete(ChannelHandlerContext ctx) { if (front != null) front.ctx.flush(); }
  }
}
