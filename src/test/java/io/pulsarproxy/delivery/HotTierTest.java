package io.pulsarproxy.delivery;

import static io.pulsarproxy.delivery.TestFrames.frame;
import static io.pulsarproxy.delivery.TestFrames.frames;
import static io.pulsarproxy.delivery.TestFrames.sequences;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.Trim;
import io.pulsarproxy.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link HotTier}: the recent frames of followed topics, served only where the tier holds
 * everything after the requested id; bounded by the hot window (on a clock the test moves) and by
 * one byte budget shared by all topics, oldest first.
 */
class HotTierTest {
  static final long NOW = 1_700_000_000_000L;
  static final TopicName A = new TopicName("a");
  static final TopicName B = new TopicName("b");

  /** One frame of 100 bytes costs this much of the budget. */
  static final long COST = frame(NOW, 0, 100).size();

  private final TestClock clock = TestClock.fixed(Instant.ofEpochMilli(NOW));
  private final RetentionPolicy retention =
      new RetentionPolicy(new Retention(1_000, Duration.ofHours(1), Duration.ofMinutes(1)));

  private HotTier tier(long maxBytes) {
    return new HotTier(retention, maxBytes, clock);
  }

  private static List<Long> seqs(java.util.Optional<List<Frame>> frames) {
    assertThat(frames).isPresent();
    return sequences(frames.get());
  }

  @Test
  void servesWhatFollowsAnIdOnlyFromWhereItStartedCovering() {
    HotTier tier = tier(1 << 20);
    tier.startCovering(A, new EntryId(NOW, 2));
    tier.append(A, frames(NOW, 3, 6, 100));

    assertThat(seqs(tier.after(A, new EntryId(NOW, 2), 10))).containsExactly(3L, 4L, 5L, 6L);
    assertThat(seqs(tier.after(A, new EntryId(NOW, 4), 10))).containsExactly(5L, 6L);
    assertThat(seqs(tier.after(A, new EntryId(NOW, 2), 2))).as("limit").containsExactly(3L, 4L);
    assertThat(seqs(tier.after(A, new EntryId(NOW, 6), 10))).isEmpty();
    assertThat(tier.after(A, new EntryId(NOW, 1), 10)).as("before it covers: the store").isEmpty();
    assertThat(tier.covers(A, new EntryId(NOW, 2))).isTrue();
    assertThat(tier.covers(A, new EntryId(NOW, 1))).isFalse();
    assertThat(tier.end(A)).contains(new EntryId(NOW, 6));
  }

  @Test
  void aTopicNotFollowedIsNeitherKeptNorServed() {
    HotTier tier = tier(1 << 20);
    tier.append(B, frames(NOW, 1, 3, 100));
    assertThat(tier.entries()).isZero();
    assertThat(tier.after(B, EntryId.ZERO, 10)).isEmpty();
    assertThat(tier.covers(B, EntryId.ZERO)).isFalse();
    assertThat(tier.end(B)).isEmpty();

    tier.startCovering(B, new EntryId(NOW, 7));
    assertThat(tier.end(B)).as("nothing read yet").contains(new EntryId(NOW, 7));
  }

  @Test
  void framesOlderThanTheHotWindowAreEvictedAndTheCoverageMovesPastThem() {
    HotTier tier = tier(1 << 20);
    tier.startCovering(A, EntryId.ZERO);
    tier.append(A, List.of(frame(NOW, 1, 100)));
    clock.advance(Duration.ofSeconds(30));
    tier.append(A, List.of(frame(NOW + 30_000, 0, 100)));
    clock.advance(Duration.ofSeconds(30)); // the first is exactly a minute old: still held
    assertThat(tier.covers(A, EntryId.ZERO)).isTrue();
    assertThat(tier.entries()).isEqualTo(2);

    clock.advance(Duration.ofMillis(1)); // now older than the window
    assertThat(tier.covers(A, EntryId.ZERO))
        .as("the evicted one must come from the store")
        .isFalse();
    assertThat(tier.covers(A, new EntryId(NOW, 1))).isTrue();
    assertThat(seqs(tier.after(A, new EntryId(NOW, 1), 10))).containsExactly(0L);
    assertThat(tier.entries()).isEqualTo(1);
    assertThat(tier.bytes()).isEqualTo(COST);
  }

  @Test
  void aTopicsOwnHotWindowApplies() {
    retention.replace(
        new RetentionPolicy.Snapshot(
            RetentionPolicy.Override.NONE,
            Map.of("a", new RetentionPolicy.Override(null, null, Duration.ofSeconds(5)))));
    HotTier tier = tier(1 << 20);
    tier.startCovering(A, EntryId.ZERO);
    tier.startCovering(B, EntryId.ZERO);
    tier.append(A, List.of(frame(NOW, 1, 100)));
    tier.append(B, List.of(frame(NOW, 2, 100)));
    clock.advance(Duration.ofSeconds(6));
    assertThat(tier.covers(A, EntryId.ZERO)).isFalse();
    assertThat(tier.covers(B, EntryId.ZERO)).as("B keeps the minute").isTrue();
  }

  @Test
  void theByteBudgetIsSharedByAllTopicsAndTheOldestGoesFirst() {
    HotTier tier = tier(3 * COST);
    tier.startCovering(A, EntryId.ZERO);
    tier.startCovering(B, EntryId.ZERO);
    tier.append(A, List.of(frame(NOW, 1, 100)));
    tier.append(B, List.of(frame(NOW, 2, 100)));
    tier.append(A, List.of(frame(NOW, 3, 100)));
    assertThat(tier.bytes()).isEqualTo(3 * COST);
    assertThat(tier.entries()).isEqualTo(3);

    tier.append(B, List.of(frame(NOW, 4, 100))); // over the budget: A's 1 goes, the oldest
    assertThat(tier.bytes()).isEqualTo(3 * COST);
    assertThat(tier.covers(A, EntryId.ZERO)).isFalse();
    assertThat(seqs(tier.after(A, new EntryId(NOW, 1), 10))).containsExactly(3L);
    assertThat(seqs(tier.after(B, EntryId.ZERO, 10))).containsExactly(2L, 4L);
  }

  @Test
  void anOperatorsTrimRemovesTheSameFramesHere() {
    HotTier tier = tier(1 << 20);
    tier.startCovering(A, EntryId.ZERO);
    tier.append(A, frames(NOW, 1, 6, 100));

    tier.trim(A, Trim.toLength(4));
    assertThat(tier.covers(A, new EntryId(NOW, 1))).isFalse();
    assertThat(seqs(tier.after(A, new EntryId(NOW, 2), 10))).containsExactly(3L, 4L, 5L, 6L);

    tier.trim(A, Trim.before(new EntryId(NOW, 5)));
    assertThat(seqs(tier.after(A, new EntryId(NOW, 4), 10))).containsExactly(5L, 6L);
    assertThat(tier.entries()).isEqualTo(2);
    assertThat(tier.bytes()).isEqualTo(2 * COST);
  }

  @Test
  void droppingATopicForgetsItAndFreesItsBytes() {
    HotTier tier = tier(1 << 20);
    tier.startCovering(A, EntryId.ZERO);
    tier.startCovering(B, EntryId.ZERO);
    tier.append(A, frames(NOW, 1, 3, 100));
    tier.append(B, frames(NOW, 4, 4, 100));
    tier.drop(A);
    assertThat(tier.bytes()).isEqualTo(COST);
    assertThat(tier.entries()).isEqualTo(1);
    assertThat(tier.after(A, EntryId.ZERO, 10)).isEmpty();
    assertThat(seqs(tier.after(B, EntryId.ZERO, 10))).containsExactly(4L);
  }
}
