package io.pulsarproxy.delivery;

import static io.pulsarproxy.delivery.TestFrames.frame;
import static io.pulsarproxy.delivery.TestFrames.frames;
import static io.pulsarproxy.delivery.TestFrames.sequences;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Subscription}: replay first while live frames wait in a bounded buffer, then live; a frame
 * goes out only if its id is greater than the last one sent, so the seam between replay and live
 * has neither gaps nor duplicates. Expired frames are skipped; a replay stops where the
 * connection's queue is half full.
 */
class SubscriptionTest {
  static final long NOW = 1_700_000_000_000L;

  private final TestClock clock = TestClock.fixed(Instant.ofEpochMilli(NOW));
  private final FakeOutbound out = FakeOutbound.withLimit(1 << 20);

  private Subscription subscription(long bufferLimit) {
    return new Subscription(out, 0, new TopicName("t"), bufferLimit, clock);
  }

  private List<Long> sent() {
    return sequences(out.messages());
  }

  @Test
  void liveFramesWaitWhileReplayingAndTheSeamHasNoGapsNorDuplicates() {
    Subscription s = subscription(1 << 20);
    s.startAfter(new EntryId(NOW, 2));
    // Live frames 5..7 arrive while replay reads the store.
    assertThat(s.offerLive(frames(NOW, 5, 7, 10), true)).isFalse();
    assertThat(out.writes).as("buffered, not sent").isEmpty();
    // Replay finds 1..6: only what is after the start goes out, once.
    s.replayed(frames(NOW, 1, 6, 10));
    assertThat(sent()).containsExactly(3L, 4L, 5L, 6L);
    // Nothing newer in the store: the buffer is flushed (5 and 6 again are skipped) and live.
    assertThat(s.goLive()).isTrue();
    assertThat(sent()).containsExactly(3L, 4L, 5L, 6L, 7L);
    assertThat(s.offerLive(frames(NOW, 7, 9, 10), true)).isTrue();
    assertThat(sent()).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(s.lastSent()).isEqualTo(new EntryId(NOW, 9));
  }

  @Test
  void anOverflowingBufferIsDroppedAndReplayGoesOnFromTheLastIdSent() {
    Subscription s = subscription(250); // a frame of 10 bytes costs 10 + 2 + 128 in the buffer
    s.startAfter(new EntryId(NOW, 0));
    s.offerLive(frames(NOW, 3, 3, 10), true);
    s.offerLive(frames(NOW, 4, 4, 10), true); // past 250: dropped, replay will read them
    s.offerLive(frames(NOW, 5, 5, 10), true); // dropped too: the buffer stays overflowed
    s.replayed(frames(NOW, 1, 2, 10));
    assertThat(s.goLive()).as("the buffer overflowed: replay must go on").isFalse();
    assertThat(s.lastSent()).isEqualTo(new EntryId(NOW, 2));
    s.replayed(frames(NOW, 3, 5, 10));
    assertThat(s.goLive()).isTrue();
    assertThat(sent()).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void expiredFramesAreSkippedButNotSentLaterEither() {
    Subscription s = subscription(1 << 20);
    s.startAfter(EntryId.ZERO);
    assertThat(s.goLive()).isTrue();
    Frame soon = frame(new EntryId(NOW, 1), 10, NOW + 1_000);
    s.offerLive(List.of(soon), true);
    assertThat(sent()).containsExactly(1L);
    clock.advance(Duration.ofMillis(1_000)); // expires at NOW + 1000: expired from then on
    Frame expired = frame(new EntryId(NOW, 2), 10, NOW + 1_000);
    Frame never = frame(new EntryId(NOW, 3), 10, null);
    assertThat(s.offerLive(List.of(expired, never), true)).isTrue();
    assertThat(sent()).containsExactly(1L, 3L);
    Frame alsoExpired = frame(new EntryId(NOW, 4), 10, NOW);
    assertThat(s.offerLive(List.of(alsoExpired), true)).as("nothing sent").isFalse();
    assertThat(sent()).containsExactly(1L, 3L);
    assertThat(s.lastSent()).as("moved past the expired frame").isEqualTo(new EntryId(NOW, 4));
  }

  @Test
  void aReplayStopsWhereTheConnectionsQueueIsHalfFull() {
    FakeOutbound small = FakeOutbound.withLimit(1_000);
    Subscription s = new Subscription(small, 0, new TopicName("t"), 1 << 20, clock);
    s.startAfter(EntryId.ZERO);
    // Each frame goes out once the next is found: 1 and 2 are owed (600 bytes) when the check
    // before the fourth finds the queue half full; the third, in hand, goes too.
    s.replayed(frames(NOW, 1, 5, 300));
    assertThat(sequences(small.messages())).containsExactly(1L, 2L, 3L);
    assertThat(s.lastSent()).isEqualTo(new EntryId(NOW, 3));
    small.socketTakesAll();
    s.replayed(frames(NOW, 1, 5, 300)); // the next step reads again from the last id sent
    assertThat(sequences(small.messages())).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void theLastFrameOfAHandOverCarriesTheFlushUnlessTheCallerFlushes() {
    Subscription s = subscription(1 << 20);
    s.startAfter(EntryId.ZERO);
    s.goLive();
    s.offerLive(frames(NOW, 1, 3, 10), true);
    assertThat(out.writes)
        .extracting(FakeOutbound.Write::flush)
        .containsExactly(false, false, true);
    assertThat(s.offerLive(frames(NOW, 4, 5, 10), false)).as("sent, the caller flushes").isTrue();
    assertThat(out.writes)
        .extracting(FakeOutbound.Write::flush)
        .containsExactly(false, false, true, false, false);
  }

  @Test
  void nothingIsSentAfterCloseNorOnAClosedConnection() {
    Subscription s = subscription(1 << 20);
    s.startAfter(EntryId.ZERO);
    s.goLive();
    s.close();
    assertThat(s.offerLive(frames(NOW, 1, 2, 10), true)).isFalse();
    s.replayed(frames(NOW, 1, 2, 10));
    assertThat(out.writes).isEmpty();
    assertThat(s.isClosed()).isTrue();

    FakeOutbound gone = FakeOutbound.withLimit(1 << 20);
    Subscription other = new Subscription(gone, 0, new TopicName("t"), 1 << 20, clock);
    gone.close(Outbound.Close.DRAIN);
    assertThat(other.isClosed()).as("closed with its connection").isTrue();
  }
}
