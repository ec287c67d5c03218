package io.pulsarproxy.resources;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body without holding a thread while it arrives: keeps up to {@code keep} bytes,
 * reads on past that without keeping anything (so the answer can go out on a connection that stays
 * usable), and stops at {@code max}. A body that passes {@code keep} comes back as {@code null}
 * bytes. A body that arrives slower than the connector's minimum data rate fails with 408.
 */
final class RequestBody implements Runnable {
  /**
   * What was read.
   *
   * @param bytes the whole body, or null when it was larger than {@code keep}
   * @param complete true when the body was read to its end, false when it passed {@code max}
   */
  record Read(byte[] bytes, boolean complete) {}

  private final Request request;
  private final int keep;
  private final long max;
  private final BiConsumer<Read, Throwable> done;
  private final long minBytesPerSecond;
  private byte[] buffer;
  private int kept;
  private long total;
  private long firstByteNanos = Long.MIN_VALUE;

  private RequestBody(Request request, int keep, long max, BiConsumer<Read, Throwable> done) {
    this.request = request;
    this.keep = keep;
    this.max = max;
    this.done = done;
    this.minBytesPerSecond =
        request.getConnectionMetaData().getHttpConfiguration().getMinRequestDataRate();
    long declared = request.getLength();
    this.buffer = new byte[(int) Math.min(keep, declared > 0 ? declared : 1024)];
  }

  /** Starts reading; {@code done} gets the body or the failure, on whichever thread read last. */
  static void read(Request request, int keep, long max, BiConsumer<Read, Throwable> done) {
    new RequestBody(request, keep, max, done).run();
  }

  @Override
  public void run() {
    while (true) {
      Content.Chunk chunk = request.read();
      if (chunk == null) {
        if (tooSlow()) {
          done.accept(
              null,
              new HttpException.RuntimeException(
                  408, "the request body arrived slower than " + minBytesPerSecond + " bytes/s"));
          return;
        }
        request.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        done.accept(null, chunk.getFailure());
        return;
      }
      boolean last = chunk.isLast();
      keep(chunk.getByteBuffer());
      chunk.release();
      if (last) {
        done.accept(new Read(buffer == null ? null : Arrays.copyOf(buffer, kept), true), null);
        return;
      }
      if (total > max) {
        done.accept(new Read(null, false), null);
        return;
      }
    }
  }

  /**
   * The connector's minRequestDataPerSecond, counted from the body's first byte and checked as each
   * further part arrives, as Jetty's servlet layer does (a core handler must check it itself): a
   * body sent in one piece, however late, is never too slow. A body that stops arriving altogether
   * meets the connector's idle timeout instead.
   */
  private boolean tooSlow() {
    if (minBytesPerSecond <= 0 || firstByteNanos == Long.MIN_VALUE) {
      return false;
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstByteNanos);
    return total < minBytesPerSecond * millis / 1000;
  }

  private void keep(ByteBuffer bytes) {
    int n = bytes.remaining();
    if (n > 0 && firstByteNanos == Long.MIN_VALUE) {
      firstByteNanos = System.nanoTime();
    }
    total += n;
    if (buffer == null) {
      return;
    }
    if (total > keep) {
      buffer = null; // too large: read on, keep nothing
      return;
    }
    if (kept + n > buffer.length) {
      buffer = Arrays.copyOf(buffer, (int) Math.min(keep, Math.max(kept + n, 2L * buffer.length)));
    }
    bytes.get(buffer, kept, n);
    kept += n;
  }
}
