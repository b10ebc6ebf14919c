package io.ollamagateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One pooled HTTP/1.1 connection to an upstream, carrying one exchange at a time: {@link #send} writes the
 * request (a buffered body, a streamed upload with backpressure, or none) and completes with the answer's
 * head; the body then arrives through {@link Answer}'s handlers. When both directions are complete and the
 * upstream keeps the connection alive, it goes back to its pool; otherwise it is closed.
 *
 * <p>The idle timeout counts from the last byte received while an exchange is under way: no byte for that long
 * fails the exchange with a {@link TimeoutException}. Everything runs on the connection's event loop, and the
 * handlers run on the exchange's Vert.x context.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  private final UpstreamClient.Pool pool;
  private final long idleTimeoutMillis;
  private Channel channel;
  private boolean active;
  private long idleSince;
  // the exchange under way
  private ContextInternal context;
  private PromiseInternal<Answer> head;
  private Answer answer;
  private ReadStream<Buffer> upload;
  private boolean requestSent;
  private boolean answered;
  private boolean keepAlive;
  private boolean informational;
  private long lastRead;
  private boolean bytesReceived;
  private int exchanges;
  private boolean closedUnanswered;
  private ScheduledFuture<?> idleCheck;

  UpstreamConnection(UpstreamClient.Pool pool, long idleTimeoutMillis) {
    this.pool = pool;
    this.idleTimeoutMillis = idleTimeoutMillis;
  }

  boolean usable() {
    return active && channel.isActive();
  }

  long idleSince() {
    return idleSince;
  }

  void idleSince(long nanos) {
    idleSince = nanos;
  }

  /**
   * Sends a request on this connection.
   *
   * @param body the whole body, or {@code null}
   * @param upload a body to stream (paused; resumed here), or {@code null}
   * @return the answer's status and headers; fails when the connection breaks or times out before them
   */
  public Future<Answer> send(ContextInternal context, HttpRequest request, Buffer body, ReadStream<Buffer> upload) {
    this.context = context;
    this.head = context.promise();
    this.answer = null;
    this.upload = upload;
    this.requestSent = false;
    this.answered = false;
    this.informational = false;
    this.lastRead = System.nanoTime();
    this.bytesReceived = false;
    this.closedUnanswered = false;
    this.exchanges++;
    if (idleCheck == null) {
      // a check left from an earlier exchange counts from lastRead too: keeping it saves a timer per request
      scheduleIdleCheck(idleTimeoutMillis);
    }
    if (upload == null) {
      DefaultFullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
          request.uri(), body == null ? Unpooled.EMPTY_BUFFER : wrap(body),
          request.headers(), HttpHeaders.EMPTY_HEADERS);
      if (body != null) {
        full.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length());
      }
      channel.writeAndFlush(full).addListener(sentListener());
    } else {
      if (!request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
        HttpUtil.setTransferEncodingChunked(request, true);
      }
      channel.write(request);
      upload.handler(chunk -> {
        channel.writeAndFlush(new DefaultHttpContent(wrap(chunk)));
        if (!channel.isWritable()) {
          upload.pause();
        }
      });
      upload.exceptionHandler(err -> reset());
      upload.endHandler(v -> channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(sentListener()));
      upload.resume();
    }
    return head.future();
  }

  /**
   * The body's bytes for Netty without copying them when they are on the heap. The wrapper has its own
   * reference count, so releasing it after the write leaves the body intact for a retry.
   */
  private static ByteBuf wrap(Buffer body) {
    ByteBuf buffer = ((BufferInternal) body).unwrap();
    return buffer.hasArray()
        ? Unpooled.wrappedBuffer(buffer.array(), buffer.arrayOffset() + buffer.readerIndex(), buffer.readableBytes())
        : Unpooled.wrappedBuffer(body.getBytes());
  }

  private ChannelFutureListener sentListener() {
    return written -> {
      if (written.isSuccess()) {
        requestSent = true;
        releaseIfDone();
      } else {
        fail(written.cause());
      }
    };
  }

  /**
   * Whether the exchange under way failed because the upstream closed a connection that had already carried an
   * earlier exchange, before sending a byte of its answer: the race of a server closing an idle connection as
   * the gateway reuses it. The request was most likely never read, so a buffered one may be sent again.
   */
  public boolean staleWhenReused() {
    return closedUnanswered && exchanges > 1;
  }

  /** Aborts the exchange under way: the connection is closed, the upstream sees the request cancelled. */
  public void reset() {
    keepAlive = false;
    channel.close();
  }

  public void close() {
    channel.close();
  }

  /** Returns a connection that was acquired but never sent on to its pool. */
  public void giveBack() {
    if (context == null && usable()) {
      pool.release(this);
    } else {
      channel.close();
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    active = true;
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (context == null || answered) {
      ReferenceCountUtil.release(msg); // nothing asked for it: an upstream that talks out of turn
      ctx.close();
      return;
    }
    lastRead = System.nanoTime();
    bytesReceived = true;
    HttpObject object = (HttpObject) msg;
    if (object.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      fail(new VertxException("the upstream's answer is not valid HTTP: " + object.decoderResult().cause(), true));
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse response) {
      int status = response.status().code();
      informational = status >= 100 && status < 200 && status != 101;
      if (!informational) {
        keepAlive = HttpUtil.isKeepAlive(response);
        answer = new Answer(response);
        context.emit(answer, head::tryComplete);
      }
    }
    if (msg instanceof HttpContent content) {
      boolean last = msg instanceof LastHttpContent;
      if (informational) {
        content.release();
        informational = !last;
        return;
      }
      Buffer chunk = content.content().isReadable() ? BufferInternal.safeBuffer(content.content()) : null;
      if (chunk == null) {
        content.release();
      }
      if (last) {
        answered = true;
      }
      Answer current = answer;
      context.emit(v -> current.deliver(chunk, last));
      releaseIfDone();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ReadStream<Buffer> stream = upload;
    if (stream != null && !requestSent && ctx.channel().isWritable()) {
      stream.resume();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelIdleCheck();
    if (context != null && !answered) {
      closedUnanswered = !bytesReceived;
      fail(new VertxException("the upstream closed the connection", true));
    }
    if (active) {
      active = false;
      pool.closed(this);
    }
  }

  /** Ends the exchange under way with an error: its head fails, or its answer's exception handler is called. */
  private void fail(Throwable error) {
    if (context == null || answered) {
      return;
    }
    answered = true;
    keepAlive = false;
    cancelIdleCheck();
    Answer current = answer;
    PromiseInternal<Answer> pending = head;
    if (current == null) {
      context.emit(error, pending::tryFail);
    } else {
      context.emit(error, current::fail);
    }
    channel.close();
  }

  private void releaseIfDone() {
    if (!requestSent || !answered || context == null) {
      return;
    }
    if (answer != null) {
      answer.detached = true;
    }
    context = null;
    head = null;
    answer = null;
    upload = null;
    channel.config().setAutoRead(true);
    if (keepAlive && channel.isActive()) {
      pool.release(this);
    } else {
      channel.close();
    }
  }

  private void scheduleIdleCheck(long delayMillis) {
    idleCheck = channel.eventLoop().schedule(this::checkIdle, Math.max(1, delayMillis), TimeUnit.MILLISECONDS);
  }

  private void checkIdle() {
    idleCheck = null;
    if (context == null || answered) {
      return;
    }
    long quietMillis = (System.nanoTime() - lastRead) / 1_000_000;
    if (quietMillis >= idleTimeoutMillis) {
      fail(new TimeoutException("no byte from the upstream for " + idleTimeoutMillis + " ms"));
    } else {
      scheduleIdleCheck(idleTimeoutMillis - quietMillis);
    }
  }

  private void cancelIdleCheck() {
    if (idleCheck != null) {
      idleCheck.cancel(false);
      idleCheck = null;
    }
  }

  /**
   * The answer to one request: status, headers, then the body as a stream. The last chunk goes to the end
   * handler rather than the handler, so that a small answer can be written and ended in one step. Handlers
   * are set on the exchange's context; chunks that arrive before a handler is set are kept until it is.
   */
  public final class Answer {
    private final HttpResponse response;
    private Handler<Buffer> handler;
    private Handler<Buffer> endHandler;
    private Handler<Throwable> exceptionHandler;
    private List<Buffer> early;
    private boolean ended;
    private Buffer lastChunk;
    private Throwable failure;
    /** Set once the connection has moved on: pausing it would stall another exchange. */
    private boolean detached;

    private Answer(HttpResponse response) {
      this.response = response;
    }

    public int statusCode() {
      return response.status().code();
    }

    public HttpHeaders headers() {
      return response.headers();
    }

    public String header(CharSequence name) {
      return response.headers().get(name);
    }

    public void handler(Handler<Buffer> handler) {
      this.handler = handler;
      if (handler != null && early != null) {
        List<Buffer> kept = early;
        early = null;
        kept.forEach(handler::handle);
      }
    }

    /** Called once, with the answer's last chunk, or {@code null} when the last piece carried no bytes. */
    public void endHandler(Handler<Buffer> handler) {
      this.endHandler = handler;
      if (handler != null && ended) {
        Buffer chunk = lastChunk;
        lastChunk = null;
        handler.handle(chunk);
      }
    }

    public void exceptionHandler(Handler<Throwable> handler) {
      this.exceptionHandler = handler;
      if (handler != null && failure != null) {
        handler.handle(failure);
      }
    }

    /** Stops reading from the upstream until {@link #resume()}: a slow client slows the upstream down. */
    public void pause() {
      if (detached) {
        return;
      }
      channel.config().setAutoRead(false);
    }

    public void resume() {
      if (detached) {
        return;
      }
      channel.config().setAutoRead(true);
      channel.read();
    }

    /** The whole body, for small answers the gateway reads itself. */
    public Future<Buffer> body() {
      PromiseInternal<Buffer> whole = context.promise();
      Buffer all = Buffer.buffer();
      handler(all::appendBuffer);
      exceptionHandler(whole::tryFail);
      endHandler(last -> whole.tryComplete(last == null ? all : all.appendBuffer(last)));
      return whole.future();
    }

    private void deliver(Buffer chunk, boolean last) {
      if (last) {
        ended = true;
        if (endHandler != null) {
          endHandler.handle(chunk);
        } else {
          lastChunk = chunk;
        }
        return;
      }
      if (chunk != null) {
        if (handler != null) {
          handler.handle(chunk);
        } else {
          if (early == null) {
            early = new ArrayList<>(2);
          }
          early.add(chunk);
        }
      }
    }

    private void fail(Throwable error) {
      failure = error;
      if (exceptionHandler != null) {
        exceptionHandler.handle(error);
      }
    }
  }
}
