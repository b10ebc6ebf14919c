package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.ollamagateway.testing.GatewayFixture;
import java.io.Flushable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The log's batching hand-off: order kept, written and flushed soon, nothing lost at stop, drops when full. */
class BatchingAsyncAppenderTest {

  /** Collects messages and counts flushes; the worker thread writes, the test thread reads. */
  private static final class Sink extends AppenderBase<ILoggingEvent> implements Flushable {
    final List<String> messages = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger flushes = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    protected void append(ILoggingEvent event) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      messages.add(event.getFormattedMessage());
    }

    @Override
    public void flush() {
      flushes.incrementAndGet();
    }
  }

  private final LoggerContext context = new LoggerContext();

  {
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
  }

  private BatchingAsyncAppender appender(Sink sink, int queueSize) {
    sink.setContext(context);
    sink.start();
    BatchingAsyncAppender async = new BatchingAsyncAppender();
    async.setContext(context);
    async.setQueueSize(queueSize);
    async.addAppender(sink);
    async.start();
    return async;
  }

  private ILoggingEvent event(String message) {
    return new LoggingEvent("test", context.getLogger("access"), Level.INFO, message, null, null);
  }

  @Test
  void linesArriveInOrderWithinTheDelayAndAreFlushedPerBatch() {
    Sink sink = new Sink();
    BatchingAsyncAppender async = appender(sink, 1000);
    for (int i = 0; i < 100; i++) {
      async.doAppend(event("line " + i));
    }
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(2), () -> sink.messages.size() == 100)).isTrue();
    assertThat(sink.messages.get(0)).isEqualTo("line 0");
    assertThat(sink.messages.get(99)).isEqualTo("line 99");
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(1), () -> sink.flushes.get() >= 1)).isTrue();
    assertThat(sink.flushes.get()).as("one flush a batch, not a line").isLessThan(100);
    async.stop();
  }

  @Test
  void stoppingWritesWhatIsQueuedAndAFullQueueDropsInsteadOfBlocking() {
    Sink sink = new Sink();
    sink.gate = new CountDownLatch(1); // the writer is stuck on the first line
    BatchingAsyncAppender async = appender(sink, 10);
    async.doAppend(event("first"));
    GatewayFixture.sleep(100); // the worker takes "first" and waits at the gate
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      async.doAppend(event("queued " + i));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the caller never waits").isLessThan(Duration.ofSeconds(1));
    sink.gate.countDown();
    async.stop();
    assertThat(sink.messages).hasSize(11).startsWith("first", "queued 0").endsWith("queued 9");
  }
}
