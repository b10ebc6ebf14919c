package io.ollamagateway.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import java.io.Flushable;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands log events to a background thread in batches: the logging thread (an event loop) only queues the event,
 * lock-free, and never wakes anybody; the worker looks at the queue every {@code maxDelayMillis} (20 ms), writes
 * everything queued to its appenders and flushes those that buffer ({@link Flushable}), so a burst of lines
 * costs one wake-up and one write. Logback's own asynchronous appender wakes its worker for every event through
 * a lock and a condition: at several thousand access-log lines a second that was most of the log's cost.
 *
 * <p>A full queue ({@code queueSize}, 16384) drops new events rather than block the caller, and the drops are
 * reported; the worker is woken early when the queue is half full. Stopping writes what is queued.
 */
public final class BatchingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
  private final ConcurrentLinkedQueue<ILoggingEvent> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private int queueSize = 16_384;
  private long maxDelayMillis = 20;
  private volatile boolean running;
  private Thread worker;

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setMaxDelayMillis(long maxDelayMillis) {
    this.maxDelayMillis = maxDelayMillis;
  }

  @Override
  public void start() {
    running = true;
    worker = new Thread(this::work, "log-writer");
    worker.setDaemon(true);
    worker.start();
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing(); // message, thread name and MDC as they are now, on the caller
    int now = queued.incrementAndGet();
    if (now > queueSize) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.offer(event);
    if (now == queueSize / 2) {
      LockSupport.unpark(worker);
    }
  }

  private void work() {
    long delay = TimeUnit.MILLISECONDS.toNanos(maxDelayMillis);
    while (running) {
      if (drain() == 0) {
        LockSupport.parkNanos(this, delay);
      }
    }
    drain();
  }

  /** Writes everything queued, then flushes; answers how many events were written. */
  private int drain() {
    int n = 0;
    for (ILoggingEvent event; (event = queue.poll()) != null; n++) {
      queued.decrementAndGet();
      appenders.appendLoopOnAppenders(event);
    }
    long lost = dropped.getAndSet(0);
    if (lost > 0) {
      addWarn(lost + " log events dropped: the log queue (" + queueSize + ") was full");
    }
    if (n > 0) {
      for (Iterator<Appender<ILoggingEvent>> it = appenders.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof Flushable buffered) {
          try {
            buffered.flush();
          } catch (IOException e) {
            addError("cannot flush the log", e);
          }
        }
      }
    }
    return n;
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    LockSupport.unpark(worker);
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    drain(); // whatever arrived while the worker was finishing
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public void addAppender(Appender<ILoggingEvent> appender) {
    appenders.addAppender(appender);
  }

  @Override
  public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
    return appenders.iteratorForAppenders();
  }

  @Override
  public Appender<ILoggingEvent> getAppender(String name) {
    return appenders.getAppender(name);
  }

  @Override
  public boolean isAttached(Appender<ILoggingEvent> appender) {
    return appenders.isAttached(appender);
  }

  @Override
  public void detachAndStopAllAppenders() {
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public boolean detachAppender(Appender<ILoggingEvent> appender) {
    return appenders.detachAppender(appender);
  }

  @Override
  public boolean detachAppender(String name) {
    return appenders.detachAppender(name);
  }
}
