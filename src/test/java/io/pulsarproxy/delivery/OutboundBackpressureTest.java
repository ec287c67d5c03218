package io.pulsarproxy.delivery;

import static io.pulsarproxy.delivery.TestFrames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulsarproxy.delivery.Outbound.Close;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The slow-consumer rule of {@link Outbound}, on a fake transport and a clock the test moves: a
 * connection is cut when its backlog (bytes handed to the socket and not yet taken) is past the
 * limit and either its socket has taken nothing for more than 3 s or the backlog is past four times
 * the limit. A hand-over into an empty backlog always goes out, however large.
 */
class OutboundBackpressureTest {
  static final int LIMIT = 1_000;
  static final Duration STALL = Duration.ofNanos(Outbound.STALL_NANOS);

  private final FakeOutbound out = FakeOutbound.withLimit(LIMIT);
  private long sequence;

  /**
   * Hands one frame of {@code bytes} over, with the backlog as it is now (as Subscription does).
   */
  private void send(int bytes) {
    out.send(frame(1, sequence++, bytes), out.pendingBytes(), true);
  }

  /** Builds a backlog of {@code bytes} that the socket has not taken. */
  private void backlogOf(int bytes) {
    send(bytes);
    assertThat(out.pendingBytes()).isEqualTo(bytes);
  }

  private void assertOpen() {
    assertThat(out.isClosed()).as("closed").isFalse();
    assertThat(out.closes).isEmpty();
    assertThat(out.slowConsumerCloses()).isZero();
  }

  private void assertCutAsSlowConsumer() {
    assertThat(out.isClosed()).as("closed").isTrue();
    assertThat(out.closes).containsExactly(Close.SLOW_CONSUMER);
    assertThat(out.slowConsumerCloses()).isEqualTo(1);
  }

  @Test
  void aHandOverIntoAnEmptyBacklogGoesOutHoweverLarge() {
    send(10 * LIMIT);
    assertOpen();
    assertThat(out.messages()).hasSize(1);
    assertThat(out.pendingBytes()).isEqualTo(10 * LIMIT);
  }

  @Test
  void aBacklogPastTheLimitIsKeptWhileTheSocketIsNotStalled() {
    backlogOf(LIMIT + 1);
    out.advance(STALL); // exactly 3 s without progress: not yet more than 3 s
    send(10);
    assertOpen();
    assertThat(out.messages()).hasSize(2);
  }

  @Test
  void aBacklogPastTheLimitIsCutOnceTheSocketHasTakenNothingForMoreThan3s() {
    backlogOf(LIMIT + 1);
    out.advance(STALL.plusMillis(1));
    send(10);
    assertCutAsSlowConsumer();
    assertThat(out.messages()).as("the frame that found the stall is not written").hasSize(1);
  }

  @Test
  void aBacklogAtTheLimitIsNeverCutHoweverLongTheStall() {
    backlogOf(LIMIT);
    out.advance(Duration.ofMinutes(1));
    send(10);
    assertOpen();
  }

  @Test
  void aBacklogOfFourTimesTheLimitIsKeptWhileTheSocketIsNotStalled() {
    backlogOf(4 * LIMIT);
    send(10);
    assertOpen();
  }

  @Test
  void pastFourTimesTheLimitAConnectionIsCutEvenWhileItsSocketTakesBytes() {
    send(10);
    send(4 * LIMIT + 1); // into a backlog of 10 bytes: written
    out.socketTakesOne(); // the socket takes the 10 bytes: progress just now
    assertThat(out.pendingBytes()).isEqualTo(4 * LIMIT + 1);
    send(10);
    assertCutAsSlowConsumer();
  }

  @Test
  void theSocketTakingBytesRestartsTheStallClock() {
    send(LIMIT);
    send(LIMIT); // 2 * LIMIT pending, since the first send
    out.advance(Duration.ofSeconds(2));
    out.socketTakesOne(); // LIMIT left, progress now
    send(10); // LIMIT + 10 pending
    out.advance(Duration.ofSeconds(2)); // 4 s since the backlog began, 2 s since progress
    send(10);
    assertOpen();
    out.advance(Duration.ofMillis(1_001)); // now more than 3 s since the socket last took bytes
    send(10);
    assertCutAsSlowConsumer();
  }

  @Test
  void theStallClockStartsWhenABacklogBeginsNotAtTheLastWrite() {
    send(10);
    out.socketTakesAll();
    out.advance(Duration.ofMinutes(5)); // idle, nothing owed: not a stall
    backlogOf(LIMIT + 1); // a backlog begins now
    send(10);
    assertOpen();
    out.advance(STALL.plusMillis(1));
    send(10);
    assertCutAsSlowConsumer();
  }

  @Test
  void controlFramesCountTowardsTheBacklogAndAreCutByTheSameRule() {
    backlogOf(LIMIT + 1);
    out.advance(STALL.plusMillis(1));
    out.sendControl("subscribed", "{\"type\":\"subscribed\"}");
    assertCutAsSlowConsumer();
  }

  @Test
  void nothingIsWrittenAfterACloseAndACloseHappensOnce() {
    send(10);
    out.flush();
    assertThat(out.flushes).isEqualTo(1);
    out.close(Close.IDLE);
    out.close(Close.SHUTDOWN);
    send(10);
    out.sendControl("pong", "{}");
    out.flush();
    assertThat(out.closes).containsExactly(Close.IDLE);
    assertThat(out.writes).hasSize(1);
    assertThat(out.flushes).as("flush() after the close does nothing").isEqualTo(1);
  }

  @Test
  void replayHasRoomOnlyWhileLessThanHalfTheLimitIsOwed() {
    assertThat(out.hasRoomForReplay()).isTrue();
    backlogOf(LIMIT / 2 - 1);
    assertThat(out.hasRoomForReplay()).isTrue();
    send(1);
    assertThat(out.hasRoomForReplay()).isFalse();
    out.socketTakesAll();
    assertThat(out.pendingBytes()).isZero();
    assertThat(out.hasRoomForReplay()).isTrue();
  }

  @Test
  void onlyTheLastFrameOfAHandOverCarriesTheFlush() {
    out.send(frame(1, 1, 10), 0, false);
    out.send(frame(1, 2, 10), 0, false);
    out.send(frame(1, 3, 10), 0, true);
    assertThat(out.writes)
        .extracting(FakeOutbound.Write::flush)
        .containsExactly(false, false, true);
  }
}
