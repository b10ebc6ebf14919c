package io.ollamagateway.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes log lines to the process's standard output through a 64 KiB buffer that is flushed every
 * {@code flushMillis} (100 ms by default) and when the appender stops, instead of one {@code write} system call
 * per line as logback's console appender does (the JDK's {@code System.out} flushes every write). At a few
 * thousand requests a second the access log alone made that many system calls. Lines reach the terminal at
 * most {@code flushMillis} late.
 *
 * <p>It writes to file descriptor 1 itself, so output that code sends to {@code System.out} (a command's JSON)
 * never mixes into a half-written log line. Appends come from logback's asynchronous worker; the flush from
 * logback's scheduler; both hold the appender's stream lock.
 */
public final class BufferedConsoleAppender extends OutputStreamAppender<ILoggingEvent> {

  private long flushMillis = 100;
  private ScheduledFuture<?> flusher;

  /** How often buffered lines are written out; for {@code logback.xml}. */
  public void setFlushMillis(long flushMillis) {
    this.flushMillis = flushMillis;
  }

  @Override
  public void start() {
    setImmediateFlush(false);
    setOutputStream(new BufferedOutputStream(new FilterOutputStream(new FileOutputStream(FileDescriptor.out)) {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
      }

      @Override
      public void close() throws IOException {
        flush(); // standard output stays open for whatever runs after logging stops
      }
    }, 64 * 1024));
    super.start();
    flusher = getContext().getScheduledExecutorService().scheduleAtFixedRate(this::flushNow, flushMillis,
        flushMillis, TimeUnit.MILLISECONDS);
  }

  private void flushNow() {
    streamWriteLock.lock();
    try {
      OutputStream stream = getOutputStream();
      if (stream != null) {
        stream.flush();
      }
    } catch (IOException e) {
      addError("cannot flush the log to standard output", e);
    } finally {
      streamWriteLock.unlock();
    }
  }

  @Override
  public void stop() {
    if (flusher != null) {
      flusher.cancel(false);
    }
    super.stop();
  }
}
