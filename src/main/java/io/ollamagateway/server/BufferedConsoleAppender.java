package io.ollamagateway.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes log lines to the process's standard output through a 64 KiB buffer that is written out when
 * {@link #flush()} is called (by {@link BatchingAsyncAppender} after each batch), when it is full, and when the
 * appender stops; logback's console appender makes one {@code write} system call per line instead (the JDK's
 * {@code System.out} flushes every write). Use it behind {@link BatchingAsyncAppender}, as {@link LogbackDefaults}
 * does: alone, nothing would flush it.
 *
 * <p>It writes to file descriptor 1 itself, so output that code sends to {@code System.out} (a command's JSON)
 * never mixes into a half-written log line. Appends and flushes hold the appender's stream lock.
 */
public final class BufferedConsoleAppender extends OutputStreamAppender<ILoggingEvent> implements Flushable {

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
  }

  @Override
  public void flush() throws IOException {
    streamWriteLock.lock();
    try {
      OutputStream stream = getOutputStream();
      if (stream != null) {
        stream.flush();
      }
    } finally {
      streamWriteLock.unlock();
    }
  }
}
